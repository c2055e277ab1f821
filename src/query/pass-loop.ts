import type { Timers } from '../collectors/scheduler.js';
import type { Logger } from '../lib/logger.js';

/** Time between passes while work is still pending. */
const CATCH_UP_MS = 1000;

/**
 * Runs a background job in passes: the first at `start`, the next a second after a pass that
 * left work pending, or `intervalMs` after one that did not (or failed, which is logged as
 * `failure`). The roll-ups of the service map and of histogram quarters run this way.
 */
export class PassLoop {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private halted = false;

  constructor(
    private readonly timers: Timers,
    private readonly log: Logger,
    private readonly failure: string,
    private readonly intervalMs: number,
    /** One pass; true when work is still pending afterwards. */
    private readonly pass: () => Promise<boolean>,
  ) {}

  /** True once stop was called: a pass in progress should end early. */
  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    this.halted = false;
    this.schedule(0);
  }

  /** Stops scheduling passes and waits for one in progress. */
  async stop(): Promise<void> {
    this.halted = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.halted) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.running = this.pass().then(
        (more) => this.schedule(more ? CATCH_UP_MS : this.intervalMs),
        (err: unknown) => {
          this.log.warn({ err }, this.failure);
          this.schedule(this.intervalMs);
        },
      );
    }, ms);
  }
}

/** What an organization has left to roll up after a pass. */
export interface Left {
  /** Ready now: the next pass follows at once. */
  due: number;
  /** Due or not yet due (written too recently): what is reported as pending. */
  waiting: number;
}

/**
 * A background roll-up over every organization, in passes of a PassLoop: each pass asks
 * each organization's roll-up (rollOrg) to do a pass's share and keeps what it has left.
 */
export abstract class OrgRoller {
  private readonly loop: PassLoop;
  /**
   * What each organization had left after its last pass: due now (another pass follows at
   * once), and waiting in all (due, or not yet due), which `pending` reports.
   */
  private readonly left = new Map<string, Left>();
  private passes = 0;

  protected constructor(
    private readonly organizations: () => Promise<string[]>,
    timers: Timers,
    protected readonly log: Logger,
    /** What the roll-up is called in logs, such as 'service map rollup'. */
    private readonly what: string,
    intervalMs: number,
  ) {
    this.loop = new PassLoop(timers, log, `${what} pass failed`, intervalMs, () => this.pass());
  }

  /**
   * Rolls up what one organization has pending, a pass's share; returns what is left, as a
   * number when all of it is due.
   */
  protected abstract rollOrg(org: string): Promise<number | Left>;

  /** Drops what is kept for organizations no longer listed. */
  protected forget(orgs: readonly string[]): void {
    for (const org of this.left.keys()) if (!orgs.includes(org)) this.left.delete(org);
  }

  /** True once stop was called: a roll-up in progress should end early. */
  protected get stopped(): boolean {
    return this.loop.stopped;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops scheduling passes and waits for one in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** What is left to roll up after the last pass, over all organizations; NaN before the first. */
  get pending(): number {
    if (this.passes === 0) return NaN;
    let n = 0;
    for (const v of this.left.values()) n += v.waiting;
    return n;
  }

  /** Runs one pass; true when work is still pending afterwards. */
  async pass(): Promise<boolean> {
    const orgs = await this.organizations();
    this.forget(orgs);
    for (const org of orgs) {
      if (this.loop.stopped) break;
      try {
        const left = await this.rollOrg(org);
        this.left.set(org, typeof left === 'number' ? { due: left, waiting: left } : left);
      } catch (err) {
        this.log.warn({ err, org }, `${this.what} failed; retrying later`);
      }
    }
    this.passes++;
    let due = 0;
    for (const v of this.left.values()) due += v.due;
    return due > 0;
  }
}
