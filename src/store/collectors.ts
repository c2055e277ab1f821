import { z } from 'zod';
import { chTime, Millis, type Db } from './sql.js';

/** A scrape job as stored. Times are Unix milliseconds; a timeout of 0 is the default. */
export const CollectorRow = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  intervalMs: z.coerce.number().int(),
  timeoutMs: z.coerce.number().int(),
  labels: z.record(z.string(), z.string()),
  createdAt: Millis,
  updatedAt: Millis,
  createdBy: z.string(),
  deleted: z.coerce.boolean(),
  version: z.coerce.number(),
});
export type CollectorRow = z.infer<typeof CollectorRow>;

const COLUMNS = `Id AS id, Name AS name, Url AS url, IntervalMs AS intervalMs,
  TimeoutMs AS timeoutMs, Labels AS labels, toUnixTimestamp64Milli(CreatedAt) AS createdAt,
  toUnixTimestamp64Milli(UpdatedAt) AS updatedAt, CreatedBy AS createdBy, Deleted AS deleted,
  Version AS version`;

/**
 * One organization's scrape jobs. Rows are versioned: saving writes a new version, reads
 * take the newest one of each id, and a deletion is saved as a row marked deleted.
 */
export class CollectorRepo {
  constructor(private readonly db: Db) {}

  /** Every job, deleted ones included, oldest first. */
  all(): Promise<CollectorRow[]> {
    return this.db.rows(
      CollectorRow,
      `SELECT ${COLUMNS} FROM {db:Identifier}.gridscope_collectors FINAL ORDER BY CreatedAt, Id`,
    );
  }

  /** The newest version of one job, deleted or not. */
  async get(id: string): Promise<CollectorRow | undefined> {
    const rows = await this.db.rows(
      CollectorRow,
      `SELECT ${COLUMNS} FROM {db:Identifier}.gridscope_collectors FINAL WHERE Id = {id:String}`,
      { id },
    );
    return rows[0];
  }

  save(r: CollectorRow): Promise<void> {
    return this.db.insert('gridscope_collectors', [
      {
        Id: r.id,
        Name: r.name,
        Url: r.url,
        IntervalMs: r.intervalMs,
        TimeoutMs: r.timeoutMs,
        Labels: r.labels,
        CreatedAt: chTime(r.createdAt),
        UpdatedAt: chTime(r.updatedAt),
        CreatedBy: r.createdBy,
        Deleted: r.deleted ? 1 : 0,
        Version: r.version,
      },
    ]);
  }
}
