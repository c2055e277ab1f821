import type { Timers } from '../../collectors/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import { rollIncreases } from '../../store/queries/histogram-increases.js';
import { pendingQuarters, rollQuarter } from '../../store/queries/histogram-quarters.js';
import { OrgRoller, type Left } from '../pass-loop.js';

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

/**
 * Rolls up quarter hours of histogram stats, of both kinds, and computes their increases
 * in the background (schema/0013, 0017 and 0020, see
 * src/store/queries/histogram-quarters.ts and histogram-increases.ts): each pass rolls, per
 * organization, up to `quartersPerPass` quarters written since they were last rolled up,
 * newest first, so a new organization or an upgraded store fills its history while recent
 * quarters are rolled as they settle. Which quarters are pending is read from the store, so
 * a restart or a second Gridscope on the same store loses nothing.
 */
export class HistogramQuarterRoller extends OrgRoller {
  constructor(
    private readonly store: Store,
    organizations: () => Promise<string[]>,
    timers: Timers,
    log: Logger,
    private readonly opts: QuarterRollerOptions,
  ) {
    super(organizations, timers, log, 'histogram quarter rollup', opts.intervalMs);
  }

  protected async rollOrg(org: string): Promise<Left> {
    await this.store.prepareOrg(org);
    const pending = await pendingQuarters(this.store, org, this.opts.marginMs);
    let rolled = 0;
    for (const q of pending.slice(0, this.opts.quartersPerPass)) {
      if (this.stopped) break;
      await rollQuarter(this.store, org, q, this.opts.marginMs, () =>
        rollIncreases(this.store, org, q),
      );
      rolled++;
    }
    // Waiting: those past the margin this pass did not reach, and those written within it,
    // which a long read takes from their minutes until they are rolled up.
    const waiting = (await pendingQuarters(this.store, org, 0)).length;
    return { due: pending.length - rolled, waiting };
  }
}
