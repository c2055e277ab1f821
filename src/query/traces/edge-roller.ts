import type { Timers } from '../../collectors/scheduler.js';
import { OrgRoller } from '../pass-loop.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import { oldestSpanMs } from '../../store/queries/traces.js';
import {
  EDGE_CHUNK_MS,
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

/** Most chunks one organization may have waiting to be rolled up again. */
const MAX_DIRTY_CHUNKS = 10_000;

/**
 * Rolls up the service map's calls of every organization (src/store/queries/service-edges.ts)
 * in the background: each pass rolls, per organization, up to `chunksPerPass` chunks:
 * first those that spans arrived for after they were rolled up (`noteSpans`), then pending
 * ones, each newest first, so a new organization or an upgraded store fills its history
 * while recent chunks are rolled as they settle. Which chunks late spans touched is kept in
 * memory: a stop before they are rolled again leaves those chunks without the late calls.
 */
export class ServiceEdgeRoller extends OrgRoller {
  /** Per organization, chunks to roll up again: spans arrived after they settled. */
  private readonly dirty = new Map<string, Set<number>>();
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
   * settled chunks among them may be rolled up already and are rolled up again.
   */
  noteSpans(org: string, fromMs: number, toMs: number): void {
    // A chunk can have been rolled up only once it ended `delayMs` ago.
    const lastSettled =
      Math.floor((this.clock.now() - this.opts.delayMs) / EDGE_CHUNK_MS) * EDGE_CHUNK_MS -
      EDGE_CHUNK_MS;
    const first = Math.floor(fromMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS;
    const last = Math.min(Math.floor(toMs / EDGE_CHUNK_MS) * EDGE_CHUNK_MS, lastSettled);
    if (last < first) return;
    let chunks = this.dirty.get(org);
    if (!chunks) this.dirty.set(org, (chunks = new Set()));
    for (let c = first; c <= last && chunks.size < MAX_DIRTY_CHUNKS; c += EDGE_CHUNK_MS) {
      chunks.add(c);
    }
  }

  protected override forget(orgs: readonly string[]): void {
    super.forget(orgs);
    for (const state of [this.dirty, this.caughtUp]) {
      for (const org of state.keys()) if (!orgs.includes(org)) state.delete(org);
    }
  }

  /**
   * Rolls up an organization's chunks marked by noteSpans, then its pending ones, newest
   * first and at most `chunksPerPass`; returns how many are left.
   */
  protected async rollOrg(org: string): Promise<number> {
    await this.store.prepareOrg(org);
    const now = this.clock.now();
    const oldest = await oldestSpanMs(this.store, org);
    if (oldest === null) return 0;
    const lower = this.opts.lookbackMs > 0 ? Math.max(oldest, now - this.opts.lookbackMs) : oldest;
    const fromMs = Math.max(lower, (this.caughtUp.get(org) ?? -Infinity) - EDGE_CHUNK_MS);
    const toMs = now - this.opts.delayMs;
    const pending = await pendingEdgeChunks(this.store, org, { fromMs, toMs });
    const dirty = this.dirty.get(org) ?? new Set<number>();
    const again = [...dirty].sort((a, b) => b - a);
    const work = [...again, ...pending.filter((c) => !dirty.has(c))];
    let rolled = 0;
    for (const chunk of work.slice(0, this.opts.chunksPerPass)) {
      if (this.stopped) break;
      // Unmarked before the roll-up reads the spans: spans noted meanwhile mark it again.
      const wasDirty = dirty.delete(chunk);
      try {
        await rollEdgeChunk(this.store, org, chunk, PARENT_LEAD_MS, this.clock.now());
      } catch (err) {
        if (wasDirty) dirty.add(chunk);
        throw err;
      }
      rolled++;
    }
    if (dirty.size === 0 && this.dirty.get(org) === dirty) this.dirty.delete(org);
    if (rolled === work.length) this.caughtUp.set(org, toMs);
    return work.length - rolled;
  }
}
