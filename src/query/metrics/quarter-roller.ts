import type { Timers } from '../../collectors/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import { pendingQuarters, rollQuarter } from '../../store/queries/histogram-quarters.js';

export interface QuarterRollerOptions {
  /**
   * How long after its last write a quarter is rolled up, and how far before the end of a
   * roll-up its mark says it holds every write: longer than an insert takes to commit.
   */
  marginMs: number;
  /** Quarters rolled per organization in one pass. */
  quartersPerPass: number;
  /** Time between passes once every quarter is rolled up. */
  intervalMs: number;
}

export const DEFAULT_QUARTER_ROLLER: QuarterRollerOptions = {
  marginMs: 60_000,
  quartersPerPass: 16,
  intervalMs: 30_000,
};

/** Time between passes while quarters are still pending. */
const CATCH_UP_MS = 1000;

/**
 * Rolls up quarter hours of histogram stats in the background (schema/0013, see
 * src/store/queries/histogram-quarters.ts): each pass rolls, per organization, up to
 * `quartersPerPass` quarters written since they were last rolled up, newest first, so a
 * new organization or an upgraded store fills its history while recent quarters are rolled
 * as they settle. Which quarters are pending is read from the store, so a restart or a
 * second Gridscope on the same store loses nothing.
 */
export class HistogramQuarterRoller {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Quarters each organization had left after its last pass. */
  private readonly left = new Map<string, number>();
  private passes = 0;

  constructor(
    private readonly store: Store,
    private readonly organizations: () => Promise<string[]>,
    private readonly timers: Timers,
    private readonly log: Logger,
    private readonly opts: QuarterRollerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling passes and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Quarters left to roll up after the last pass, over all organizations; NaN before the first. */
  get pending(): number {
    if (this.passes === 0) return NaN;
    let n = 0;
    for (const v of this.left.values()) n += v;
    return n;
  }

  /** Runs one pass; true when quarters are still pending afterwards. */
  async pass(): Promise<boolean> {
    const orgs = await this.organizations();
    for (const org of this.left.keys()) if (!orgs.includes(org)) this.left.delete(org);
    for (const org of orgs) {
      if (this.stopped) break;
      try {
        await this.store.prepareOrg(org);
        const pending = await pendingQuarters(this.store, org, this.opts.marginMs);
        let rolled = 0;
        for (const q of pending.slice(0, this.opts.quartersPerPass)) {
          if (this.stopped) break;
          await rollQuarter(this.store, org, q, this.opts.marginMs);
          rolled++;
        }
        this.left.set(org, pending.length - rolled);
      } catch (err) {
        this.log.warn({ err, org }, 'histogram quarter rollup failed; retrying later');
      }
    }
    this.passes++;
    return this.pending > 0;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.running = this.pass().then(
        (more) => this.schedule(more ? CATCH_UP_MS : this.opts.intervalMs),
        (err: unknown) => {
          this.log.warn({ err }, 'histogram quarter rollup pass failed');
          this.schedule(this.opts.intervalMs);
        },
      );
    }, ms);
  }
}
