import { redactUrl, type AuditLog, type ChangeContext } from '../audit/index.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { newId, Versions } from '../lib/ids.js';
import type { Serial } from '../lib/serial.js';
import type { Logger } from '../lib/logger.js';
import { requireOrgState, type OrgState } from '../orgs/index.js';
import { isNameText } from '../query/attribute-filter.js';
import type { CollectorRepo, CollectorRow, PlatformRepo } from '../store/index.js';
import type { ScrapeJob, ScrapeScheduler, ScrapeState } from './scheduler.js';
import {
  effectiveTimeoutMs,
  type Collector,
  type CreateCollector,
  type IntervalLimits,
  type UpdateCollector,
} from './schemas.js';
import { instanceOf } from './to-otlp.js';

/** What the collectors need from the store. */
export interface CollectorStorage {
  platform(): PlatformRepo;
  /** Creates or migrates an organization's database (which holds its collectors). */
  prepareOrg(org: string): Promise<void>;
  collectors(org: string): CollectorRepo;
}

/** The most collectors one organization may have. */
export const MAX_COLLECTORS_PER_ORG = 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The definition without its scrape state: what the audit trail records. */
function definition(r: CollectorRow): Omit<Collector, 'status'> {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    intervalMs: r.intervalMs,
    timeoutMs: r.timeoutMs === 0 ? null : r.timeoutMs,
    labels: r.labels,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    createdBy: r.createdBy,
  };
}

function jobOf(org: string, r: CollectorRow): ScrapeJob {
  return {
    org,
    id: r.id,
    version: r.version,
    url: r.url,
    intervalMs: r.intervalMs,
    timeoutMs: effectiveTimeoutMs(r.intervalMs, r.timeoutMs === 0 ? null : r.timeoutMs),
    serviceName: r.name,
    labels: r.labels,
  };
}

/**
 * An organization's scrape jobs: definitions stored per organization, every change
 * audited, and the scheduler told at once. The scrape state comes from the scheduler of
 * this process.
 */
export class Collectors {
  private readonly versions = new Versions();

  constructor(
    private readonly storage: CollectorStorage,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly scheduler: ScrapeScheduler,
    /** Whether an organization exists, was deleted, or never existed. */
    private readonly orgState: (org: string) => Promise<OrgState>,
    readonly limits: IntervalLimits,
    private readonly log: Logger,
    /** Where changes queue, one at a time, with those to organizations and keys. */
    private readonly changes: Serial,
  ) {}

  /** The organization's collectors, oldest first; a deleted organization's too. */
  async list(org: string): Promise<Collector[]> {
    const rows = await this.repo(org, false);
    return (await rows.all()).filter((r) => !r.deleted).map((r) => this.view(org, r));
  }

  async get(org: string, id: string): Promise<Collector> {
    return this.view(org, await this.live(org, id, false));
  }

  create(org: string, input: CreateCollector, ctx: ChangeContext): Promise<Collector> {
    return this.changes.run(() => this.createNow(org, input, ctx));
  }

  private async createNow(
    org: string,
    input: CreateCollector,
    ctx: ChangeContext,
  ): Promise<Collector> {
    const repo = await this.repo(org, true);
    const live = (await repo.all()).filter((r) => !r.deleted).length;
    if (live >= MAX_COLLECTORS_PER_ORG) {
      throw new AppError(
        'CONFLICT',
        `organization ${org} has ${live} collectors, the most allowed; delete one first`,
      );
    }
    const now = this.clock.now();
    const row: CollectorRow = {
      id: newId('col'),
      name: input.name ?? defaultName(input.labels.job, input.url),
      url: input.url,
      intervalMs: input.intervalMs,
      timeoutMs: input.timeoutMs ?? 0,
      labels: input.labels,
      createdAt: now,
      updatedAt: now,
      createdBy: ctx.actor.id,
      deleted: false,
      version: this.versions.next(now),
    };
    await repo.save(row);
    this.scheduler.upsert(jobOf(org, row));
    await this.audit.record(org, ctx, {
      action: 'collector.create',
      resourceType: 'collector',
      resourceId: row.id,
      after: definition(row),
    });
    return this.view(org, row);
  }

  update(org: string, id: string, input: UpdateCollector, ctx: ChangeContext): Promise<Collector> {
    return this.changes.run(() => this.updateNow(org, id, input, ctx));
  }

  private async updateNow(
    org: string,
    id: string,
    input: UpdateCollector,
    ctx: ChangeContext,
  ): Promise<Collector> {
    const before = await this.live(org, id, true);
    const intervalMs = input.intervalMs ?? before.intervalMs;
    const timeoutMs = input.timeoutMs === undefined ? before.timeoutMs : (input.timeoutMs ?? 0);
    if (timeoutMs > intervalMs) {
      const message = `must be at most intervalMs (${intervalMs})`;
      throw new AppError('VALIDATION', `body timeoutMs: ${message}`, {
        details: [{ location: 'body', field: 'timeoutMs', message }],
      });
    }
    const now = this.clock.now();
    const row: CollectorRow = {
      ...before,
      name: input.name ?? before.name,
      url: input.url ?? before.url,
      intervalMs,
      timeoutMs,
      labels: input.labels ?? before.labels,
      updatedAt: now,
      version: this.versions.next(now),
    };
    await this.storage.collectors(org).save(row);
    this.scheduler.upsert(jobOf(org, row));
    await this.audit.record(org, ctx, {
      action: 'collector.update',
      resourceType: 'collector',
      resourceId: id,
      before: definition(before),
      after: definition(row),
    });
    return this.view(org, row);
  }

  delete(org: string, id: string, ctx: ChangeContext): Promise<void> {
    return this.changes.run(() => this.deleteNow(org, id, ctx));
  }

  private async deleteNow(org: string, id: string, ctx: ChangeContext): Promise<void> {
    const before = await this.live(org, id, true);
    const now = this.clock.now();
    await this.storage
      .collectors(org)
      .save({ ...before, deleted: true, updatedAt: now, version: this.versions.next(now) });
    this.scheduler.remove(org, id);
    await this.audit.record(org, ctx, {
      action: 'collector.delete',
      resourceType: 'collector',
      resourceId: id,
      before: definition(before),
    });
  }

  /**
   * Schedules the stored collectors of every organization. An organization whose
   * collectors cannot be read is logged and skipped.
   */
  async start(): Promise<void> {
    const orgs = (await this.storage.platform().organizations()).filter((o) => !o.deleted);
    for (const o of orgs) {
      try {
        await this.storage.prepareOrg(o.id);
        for (const r of await this.storage.collectors(o.id).all()) {
          if (r.deleted) this.scheduler.remove(o.id, r.id);
          else this.scheduler.upsert(jobOf(o.id, r));
        }
      } catch (err) {
        this.log.error({ err, org: o.id }, 'collectors of an organization could not be loaded');
      }
    }
    this.log.info({ collectors: this.scheduler.size }, 'collectors scheduled');
  }

  /** Stops the collectors of deleted organizations. */
  async dropDeletedOrgs(): Promise<void> {
    const orgs = await this.storage.platform().organizations();
    const live = new Set(orgs.filter((o) => !o.deleted).map((o) => o.id));
    this.scheduler.retain((org) => live.has(org));
  }

  /** Stops scraping; scrapes in flight are aborted. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  private view(org: string, r: CollectorRow): Collector {
    const s: ScrapeState = this.scheduler.state(org, r.id);
    return {
      ...definition(r),
      // A credential in the URL (?token=...) is for scraping, not for every reader of the
      // organization; it is shown redacted, as in the audit trail, and kept as it was.
      url: redactUrl(r.url),
      status: {
        lastScrapeAt: iso(s.lastScrapeAt),
        lastSuccessAt: iso(s.lastSuccessAt),
        durationMs: s.durationMs,
        samples: s.samples,
        error: s.error,
      },
    };
  }

  /** The organization's collectors, once its database is ready. */
  private async repo(org: string, change: boolean): Promise<CollectorRepo> {
    requireOrgState(org, await this.orgState(org), change);
    await this.storage.prepareOrg(org);
    return this.storage.collectors(org);
  }

  private async live(org: string, id: string, change: boolean): Promise<CollectorRow> {
    const r = await (await this.repo(org, change)).get(id);
    if (!r || r.deleted) throw new AppError('NOT_FOUND', `collector ${id} not found`);
    return r;
  }
}

/**
 * A collector's name when none is given: its `job` label, as Prometheus names a target's
 * job, if that is a name reads take as a service; else the target's host:port.
 */
function defaultName(job: string | undefined, url: string): string {
  return job !== undefined && isNameText(job) ? job : instanceOf(url);
}
