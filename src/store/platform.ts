import { z } from 'zod';
import { chTime, Millis, type Db } from './sql.js';

/** An organization as stored. Times are Unix milliseconds. */
export const OrgRow = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: Millis,
  updatedAt: Millis,
  deleted: z.coerce.boolean(),
  version: z.coerce.number(),
});
export type OrgRow = z.infer<typeof OrgRow>;

/** An API key as stored: its hash, never the key. An empty org is a platform key. */
export const KeyRow = z.object({
  id: z.string(),
  org: z.string(),
  name: z.string(),
  role: z.string(),
  hash: z.string(),
  prefix: z.string(),
  createdAt: Millis,
  createdBy: z.string(),
  expiresAt: Millis.nullable(),
  revokedAt: Millis.nullable(),
  version: z.coerce.number(),
});
export type KeyRow = z.infer<typeof KeyRow>;

const ORG_COLUMNS = `Id AS id, Name AS name, toUnixTimestamp64Milli(CreatedAt) AS createdAt,
  toUnixTimestamp64Milli(UpdatedAt) AS updatedAt, Deleted AS deleted, Version AS version`;

const KEY_COLUMNS = `Id AS id, Org AS org, Name AS name, Role AS role, Hash AS hash,
  Prefix AS prefix, toUnixTimestamp64Milli(CreatedAt) AS createdAt, CreatedBy AS createdBy,
  toUnixTimestamp64Milli(ExpiresAt) AS expiresAt, toUnixTimestamp64Milli(RevokedAt) AS revokedAt,
  Version AS version`;

const nullableTime = (ms: number | null) => (ms === null ? null : chTime(ms));

/**
 * Organizations and API keys. Rows are versioned: saving writes a new version and reads
 * take the newest one of each id.
 */
export class PlatformRepo {
  constructor(private readonly db: Db) {}

  /** Every organization, deleted ones included, by id. */
  organizations(): Promise<OrgRow[]> {
    return this.db.rows(
      OrgRow,
      `SELECT ${ORG_COLUMNS} FROM {db:Identifier}.organizations FINAL ORDER BY Id`,
    );
  }

  async organization(id: string): Promise<OrgRow | undefined> {
    const rows = await this.db.rows(
      OrgRow,
      `SELECT ${ORG_COLUMNS} FROM {db:Identifier}.organizations FINAL WHERE Id = {id:String}`,
      { id },
    );
    return rows[0];
  }

  saveOrganization(o: OrgRow): Promise<void> {
    return this.db.insert('organizations', [
      {
        Id: o.id,
        Name: o.name,
        CreatedAt: chTime(o.createdAt),
        UpdatedAt: chTime(o.updatedAt),
        Deleted: o.deleted ? 1 : 0,
        Version: o.version,
      },
    ]);
  }

  /** Every key, revoked ones included. */
  keys(): Promise<KeyRow[]> {
    return this.db.rows(
      KeyRow,
      `SELECT ${KEY_COLUMNS} FROM {db:Identifier}.api_keys FINAL ORDER BY CreatedAt, Id`,
    );
  }

  saveKey(k: KeyRow): Promise<void> {
    return this.db.insert('api_keys', [
      {
        Id: k.id,
        Org: k.org,
        Name: k.name,
        Role: k.role,
        Hash: k.hash,
        Prefix: k.prefix,
        CreatedAt: chTime(k.createdAt),
        CreatedBy: k.createdBy,
        ExpiresAt: nullableTime(k.expiresAt),
        RevokedAt: nullableTime(k.revokedAt),
        Version: k.version,
      },
    ]);
  }
}
