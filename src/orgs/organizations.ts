import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { Versions } from '../lib/ids.js';
import type { Serial } from '../lib/serial.js';
import type { OrgRow, PlatformRepo } from '../store/index.js';
import type { CreateOrganization, Organization, UpdateOrganization } from './schemas.js';

/** What the organizations need from the store. */
export interface OrgStorage {
  platform(): PlatformRepo;
  /** Creates or migrates an organization's database. */
  prepareOrg(org: string): Promise<void>;
}

function view(r: OrgRow): Organization {
  return {
    id: r.id,
    name: r.name,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    deleted: r.deleted,
  };
}

/** An organization id's standing: live, deleted (its data kept), or never created. */
export type OrgState = 'live' | 'deleted' | 'none';

/** The standing of an organization's stored row (undefined: never created). */
export function orgStateOf(r: OrgRow | undefined): OrgState {
  return r === undefined ? 'none' : r.deleted ? 'deleted' : 'live';
}

/**
 * Refuses `org` unless it exists and, for a change, is not deleted: a deleted
 * organization's data and settings can still be read, not changed.
 */
export function requireOrgState(org: string, state: OrgState, change: boolean): void {
  if (state === 'none') throw new AppError('NOT_FOUND', `organization ${org} not found`);
  if (state === 'deleted' && change) {
    throw new AppError('NOT_FOUND', `organization ${org} was deleted; its data can only be read`);
  }
}

/**
 * The installation's organizations. Each has its own database; deleting one stops its
 * keys and hides it, and keeps its data (an id is never reused).
 */
export class Organizations {
  private readonly versions = new Versions();

  constructor(
    private readonly storage: OrgStorage,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** Organizations that cannot be deleted (the default one, those of ingest tokens). */
    private readonly pinned: ReadonlySet<string>,
    /** Called after a deletion, so that the organization's keys stop working at once. */
    private readonly onDeleted: () => Promise<void>,
    /** Where changes to organizations and keys queue, one at a time. */
    private readonly changes: Serial,
  ) {}

  async list(): Promise<Organization[]> {
    const rows = await this.storage.platform().organizations();
    return rows.filter((r) => !r.deleted).map(view);
  }

  /** An organization, also a deleted one (`deleted` says so). */
  async get(id: string): Promise<Organization> {
    return view(await this.row(id, false));
  }

  /** Whether an organization exists, was deleted (its data is kept), or never existed. */
  async state(id: string): Promise<OrgState> {
    return orgStateOf(await this.storage.platform().organization(id));
  }

  create(input: CreateOrganization, ctx: ChangeContext): Promise<Organization> {
    return this.changes.run(() => this.createNow(input, ctx));
  }

  private async createNow(input: CreateOrganization, ctx: ChangeContext): Promise<Organization> {
    const existing = await this.storage.platform().organization(input.id);
    if (existing) {
      const why = existing.deleted ? 'was deleted; ids are not reused' : 'already exists';
      throw new AppError('CONFLICT', `organization ${input.id} ${why}`);
    }
    await this.storage.prepareOrg(input.id);
    const now = this.clock.now();
    const row: OrgRow = {
      id: input.id,
      name: input.name,
      createdAt: now,
      updatedAt: now,
      deleted: false,
      version: this.versions.next(now),
    };
    await this.storage.platform().saveOrganization(row);
    const org = view(row);
    await this.audit.record(null, ctx, {
      action: 'organization.create',
      resourceType: 'organization',
      resourceId: org.id,
      after: org,
    });
    return org;
  }

  /**
   * Creates an organization at start-up if it is missing (the default one, token orgs);
   * answers its state then, `deleted` for one deleted before (ids are not reused).
   */
  async ensure(id: string, ctx: ChangeContext): Promise<OrgState> {
    const state = await this.state(id);
    if (state === 'none') await this.create({ id, name: id }, ctx);
    return state === 'deleted' ? 'deleted' : 'live';
  }

  update(id: string, input: UpdateOrganization, ctx: ChangeContext): Promise<Organization> {
    return this.changes.run(() => this.updateNow(id, input, ctx));
  }

  private async updateNow(
    id: string,
    input: UpdateOrganization,
    ctx: ChangeContext,
  ): Promise<Organization> {
    const before = await this.row(id, true);
    if (input.name === before.name) return view(before);
    const now = this.clock.now();
    const row: OrgRow = {
      ...before,
      name: input.name,
      updatedAt: now,
      version: this.versions.next(now),
    };
    await this.storage.platform().saveOrganization(row);
    const org = view(row);
    await this.audit.record(null, ctx, {
      action: 'organization.update',
      resourceType: 'organization',
      resourceId: id,
      before: view(before),
      after: org,
    });
    return org;
  }

  delete(id: string, ctx: ChangeContext): Promise<void> {
    return this.changes.run(() => this.deleteNow(id, ctx));
  }

  private async deleteNow(id: string, ctx: ChangeContext): Promise<void> {
    // One deleted already is gone (404), configured or not.
    const before = await this.row(id, true);
    if (this.pinned.has(id)) {
      throw new AppError(
        'CONFLICT',
        `organization ${id} is configured (default or ingest tokens) and cannot be deleted`,
      );
    }
    const now = this.clock.now();
    await this.storage.platform().saveOrganization({
      ...before,
      deleted: true,
      updatedAt: now,
      version: this.versions.next(now),
    });
    await this.onDeleted();
    await this.audit.record(null, ctx, {
      action: 'organization.delete',
      resourceType: 'organization',
      resourceId: id,
      before: view(before),
    });
  }

  /** An organization's row; for a change, one not deleted (requireOrgState). */
  private async row(id: string, change: boolean): Promise<OrgRow> {
    const r = await this.storage.platform().organization(id);
    requireOrgState(id, orgStateOf(r), change);
    return r!;
  }
}
