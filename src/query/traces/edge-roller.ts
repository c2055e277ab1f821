import type { Timers } from '../../collectors/scheduler.js';
import { OrgRoller } from '../pass-loop.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import { oldestSpanMs } from '../../store/queries/traces.js';
import {
  EDGE_CHUNK_MS,
  edgeChunksRolled,
  markEdgeChunks,
  markedEdgeChunks,
  pendingEdgeChunks,
  rollEdgeChunk,
} from '../../store/queries/service-edges.js';
import { PARENT_LEAD_MS } from './services.js';

export interface EdgeRollerOptions {
  /**
   * How long after a ten-minute chunk ends its calls are rolled up. Spans of a rolled chunk
   * that arrive later make it roll up again (noteSpans); a late parent span rolls up its own
   * chunk again, so a call in a later chunk whose parent arrives after that chunk was
   * rolled up is not counted.
   */
  delayMs: number;
  /** How far back chunks are rolled up: the traces retention (0: as far as spans go). */
  lookbackMs: number;
  /** Chunks rolled per organization in one pass. */
  chunksPerPass: number;
  /** Time between passes once every chunk is rolled up. */
  intervalMs: number;
}

export const DEFAULT_EDGE_ROLLER = {
  chunksPerPass: 6,
  intervalMs: 60_000,
} as const;

/** Most chunks one organization may have waiting to be marked in the store. */
const MAX_UNSAVED_CHUNKS = 10_000;

/** A save of an organization's marks in progress, and whether another must follow it. */
interface Saving {
  done: Promise<void>;
  again: boolean;
}

/**
 * Rolls up the service map's calls of every organization (src/store/queries/service-edges.ts)
 * in the background: each pass rolls, per organization, up to `chunksPerPass` chunks:
 * first those that spans arrived for after they settled, then pending ones, each newest
 * first, so a new organization or an upgraded store fills its history while recent chunks
 * are rolled as they settle. Told of such late spans (noteSpans), the roller marks their
 * chunks in the store at once, so that a restart or another Gridscope on the same store
 * rolls them up again too; a mark not yet written is kept in memory until it is.
 */
export class ServiceEdgeRoller extends OrgRoller {
  /** Per organization, chunks told of by noteSpans and not yet marked, with when. */
  private readonly unsaved = new Map<string, Map<number, number>>();
  private readonly saving = new Map<string, Saving>();
  /**
   * Per organization, the time up to which every chunk was rolled up at a pass that left
   * none pending: later passes look for pending chunks from there on only, since spans
   * stored for older chunks mark them through noteSpans.
   */
  private readonly caughtUp = new Map<string, number>();

  constructor(
    private readonly store: Store,
    organizations: () => Promise<string[]>,
    private readonly clock: Clock,
    timers: Timers,
    log: Logger,
    private readonly opts: EdgeRollerOptions,
  ) {
    super(organizations, timers, log, 'service map rollup', opts.intervalMs);
  }

  /**
   * Tells the roller that spans starting from `fromMs` to `toMs` were stored for `org`: the
   * settled chunks among them may be rolled up already, and are marked to be rolled up
   * again.
   */
  noteSpans(org: string, fromMs: number, toMs: number): void {
    const now = this.clock.now();
    // A chunk can have been rolled up only once it ended `delayMs` ago.
    const lastSettled =
      Math.floor((now - this.opts.delayMs) / EDGE_CHUNK_MS) * EDGE_CHUNK_MS - EDGE_CHUNK_MS;
    const first = Math.floor(fromMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
    const last = Math.min(Math.floor(toMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS, lastSettled);
    if (last < first) return;
    let chunks = this.unsaved.get(org);
    if (!chunks) this.unsaved.set(org, (chunks = new Map<number, number>()));
    for (let c = first; c <= last && chunks.size < MAX_UNSAVED_CHUNKS; c += EDGE_CHUNK_MS) {
      chunks.set(c, now);
    }
    this.saveMarks(org);
  }

  /**
   * Writes an organization's unsaved marks, one write at a time: marks noted while one runs
   * are written by the next. A failed write leaves them for the next pass to retry.
   */
  private saveMarks(org: string): void {
    const running = this.saving.get(org);
    if (running) {
      running.again = true;
      return;
    }
    const state: Saving = { done: Promise.resolve(), again: false };
    const write = async () => {
      do {
        state.again = false;
        const marks = this.unsaved.get(org);
        if (!marks || marks.size === 0) return;
        const taken = [...marks];
        const at = Math.max(...taken.map(([, t]) => t));
        await markEdgeChunks(
          this.store,
          org,
          taken.map(([c]) => c),
          at,
        );
        for (const [c, t] of taken) if (marks.get(c) === t) marks.delete(c);
        if (marks.size === 0 && this.unsaved.get(org) === marks) this.unsaved.delete(org);
      } while (state.again);
    };
    this.saving.set(org, state);
    state.done = write()
      .catch((err: unknown) => {
        this.log.warn({ err, org }, 'service map marks not written; retrying at the next pass');
      })
      .finally(() => this.saving.delete(org));
  }

  /** Stops scheduling passes and waits for one in progress and for marks being written. */
  override async stop(): Promise<void> {
    await super.stop();
    await Promise.all([...this.saving.values()].map((s) => s.done));
  }

  protected override forget(orgs: readonly string[]): void {
    super.forget(orgs);
    for (const state of [this.unsaved, this.caughtUp]) {
      for (const org of state.keys()) if (!orgs.includes(org)) state.delete(org);
    }
  }

  /**
   * Rolls up an organization's marked chunks, then its pending ones, newest first and at
   * most `chunksPerPass`; returns how many are left.
   */
  protected async rollOrg(org: string): Promise<number> {
    await this.store.prepareOrg(org);
    // Marks a failed write left behind.
    if (this.unsaved.has(org)) this.saveMarks(org);
    const now = this.clock.now();
    const oldest = await oldestSpanMs(this.store, org);
    if (oldest === null) return 0;
    const lower = this.opts.lookbackMs > 0 ? Math.max(oldest, now - this.opts.lookbackMs) : oldest;
    const fromMs = Math.max(lower, (this.caughtUp.get(org) ?? -Infinity) - EDGE_CHUNK_MS);
    const toMs = now - this.opts.delayMs;
    const pending = await pendingEdgeChunks(this.store, org, { fromMs, toMs });
    const unsaved = this.unsaved.get(org) ?? new Map<number, number>();
    const marked = new Set([
      ...(await markedEdgeChunks(this.store, org, lower)),
      ...unsaved.keys(),
    ]);
    const again = [...marked].sort((a, b) => b - a);
    const work = [...again, ...pending.filter((c) => !marked.has(c))];
    let rolled = 0;
    for (const chunk of work.slice(0, this.opts.chunksPerPass)) {
      if (this.stopped) break;
      // Marks up to the start of the roll-up are done; spans noted meanwhile mark it again.
      const startedAt = this.clock.now();
      await rollEdgeChunk(this.store, org, chunk, PARENT_LEAD_MS, startedAt);
      if (marked.has(chunk)) {
        await edgeChunksRolled(this.store, org, [chunk], startedAt);
        const t = unsaved.get(chunk);
        if (t !== undefined && t <= startedAt) unsaved.delete(chunk);
      }
      rolled++;
    }
    if (rolled === work.length) this.caughtUp.set(org, toMs);
    return work.length - rolled;
  }
}
