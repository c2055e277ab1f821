import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { Clock } from '../lib/clock.js';
import { AppError, fieldError } from '../lib/errors.js';
import { newId, Versions } from '../lib/ids.js';
import type { Serial } from '../lib/serial.js';
import { orgStateOf, requireOrgState } from '../orgs/index.js';
import type { KeyRow, PlatformRepo } from '../store/index.js';
import { generateKey, keyDigest, keyPrefix, KeyRing } from './key-ring.js';
import type { Principal } from './roles.js';
import type { ApiKey, CreateApiKey, CreatedApiKey } from './schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(k: KeyRow): ApiKey {
  return {
    id: k.id,
    org: k.org === '' ? null : k.org,
    name: k.name,
    role: k.org === '' ? 'platform-admin' : (k.role as ApiKey['role']),
    prefix: k.prefix,
    createdAt: iso(k.createdAt)!,
    createdBy: k.createdBy,
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
  };
}

/** A key as listed: a deleted organization's keys read as revoked at its deletion. */
function shown(k: KeyRow, deletedAt: number | null): ApiKey {
  return view(deletedAt === null ? k : { ...k, revokedAt: k.revokedAt ?? deletedAt });
}

/**
 * API keys: created with a role in one organization (or, for the platform admin, in none),
 * shown once, stored as a digest, revoked rather than deleted. Authentication reads the
 * in-memory key ring, which every change here rebuilds.
 */
export class ApiKeys {
  readonly ring = new KeyRing();
  private readonly versions = new Versions();

  constructor(
    private readonly platform: () => PlatformRepo,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** Where changes to organizations and keys queue, one at a time. */
    private readonly changes: Serial,
  ) {}

  /** Rebuilds the key ring from the store. */
  async refresh(): Promise<void> {
    const [keys, orgs] = await Promise.all([
      this.platform().keys(),
      this.platform().organizations(),
    ]);
    this.ring.replace(
      keys,
      orgs.filter((o) => o.deleted).map((o) => o.id),
    );
  }

  /** The principal of a presented key, or undefined. */
  authenticate(key: string): Principal | undefined {
    return this.ring.principal(key, this.clock.now());
  }

  /**
   * The organization's keys, oldest first; a deleted organization's too, each revoked at
   * the organization's deletion if not before (deleting it stopped them).
   */
  async list(org: string): Promise<ApiKey[]> {
    const deletedAt = await this.requireOrg(org, false);
    return (await this.platform().keys())
      .filter((k) => k.org === org)
      .map((k) => shown(k, deletedAt));
  }

  async get(org: string, id: string): Promise<ApiKey> {
    const deletedAt = await this.requireOrg(org, false);
    return shown(await this.find(org, id), deletedAt);
  }

  create(org: string, input: CreateApiKey, ctx: ChangeContext): Promise<CreatedApiKey> {
    return this.changes.run(() => this.createNow(org, input, ctx));
  }

  private async createNow(
    org: string,
    input: CreateApiKey,
    ctx: ChangeContext,
  ): Promise<CreatedApiKey> {
    await this.requireOrg(org, true);
    const now = this.clock.now();
    const expiresAt = input.expiresAt == null ? null : Date.parse(input.expiresAt);
    if (expiresAt !== null && expiresAt <= now) {
      throw fieldError('expiresAt', 'must be in the future', 'body');
    }
    const { row, key } = await this.insert(org, input.name, input.role, expiresAt, ctx.actor.id);
    const created = view(row);
    await this.audit.record(org, ctx, {
      action: 'api_key.create',
      resourceType: 'api_key',
      resourceId: row.id,
      after: created,
    });
    return { ...created, key };
  }

  revoke(org: string, id: string, ctx: ChangeContext): Promise<ApiKey> {
    return this.changes.run(() => this.revokeNow(org, id, ctx));
  }

  private async revokeNow(org: string, id: string, ctx: ChangeContext): Promise<ApiKey> {
    await this.requireOrg(org, true);
    const before = await this.find(org, id);
    if (before.revokedAt !== null) return view(before);
    const now = this.clock.now();
    const row: KeyRow = { ...before, revokedAt: now, version: this.versions.next(now) };
    await this.platform().saveKey(row);
    await this.refresh();
    const after = view(row);
    await this.audit.record(org, ctx, {
      action: 'api_key.revoke',
      resourceType: 'api_key',
      resourceId: id,
      before: view(before),
      after,
    });
    return after;
  }

  /**
   * Makes sure a platform admin key exists: the given one, or a generated one. Returns the
   * key when it was created now (the caller shows or stores it), else undefined.
   */
  bootstrap(given: string | undefined, ctx: ChangeContext): Promise<string | undefined> {
    return this.changes.run(() => this.bootstrapNow(given, ctx));
  }

  private async bootstrapNow(
    given: string | undefined,
    ctx: ChangeContext,
  ): Promise<string | undefined> {
    await this.refresh();
    if (this.ring.hasPlatformKey(this.clock.now())) return undefined;
    const { row, key } = await this.insert(
      '',
      'bootstrap admin',
      'admin',
      null,
      'bootstrap',
      given,
    );
    await this.audit.record(null, ctx, {
      action: 'api_key.create',
      resourceType: 'api_key',
      resourceId: row.id,
      after: view(row),
    });
    return key;
  }

  private async insert(
    org: string,
    name: string,
    role: string,
    expiresAt: number | null,
    createdBy: string,
    given?: string,
  ): Promise<{ row: KeyRow; key: string }> {
    const key = given ?? generateKey();
    const now = this.clock.now();
    const row: KeyRow = {
      id: newId('key'),
      org,
      name,
      role,
      hash: keyDigest(key),
      prefix: keyPrefix(key, given !== undefined),
      createdAt: now,
      createdBy,
      expiresAt,
      revokedAt: null,
      version: this.versions.next(now),
    };
    await this.platform().saveKey(row);
    await this.refresh();
    return { row, key };
  }

  private async find(org: string, id: string): Promise<KeyRow> {
    const k = (await this.platform().keys()).find((r) => r.id === id && r.org === org);
    if (!k) throw new AppError('NOT_FOUND', `API key ${id} not found in organization ${org}`);
    return k;
  }

  /**
   * Refuses an organization that never existed or, for a change, one that was deleted;
   * answers when it was deleted (its last change), else null.
   */
  private async requireOrg(org: string, change: boolean): Promise<number | null> {
    const r = await this.platform().organization(org);
    requireOrgState(org, orgStateOf(r), change);
    return r?.deleted ? r.updatedAt : null;
  }
}
