import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { statementSettings } from './client.js';

/** A DateTime64(3, 'UTC') value as ClickHouse reads it from text. */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Milliseconds from `toUnixTimestamp64Milli(...)`, which a server sends as a string. */
export const Millis = z.coerce.number().int();

/** Runs a statement on the store's current read session (see Store.onReadSession). */
export type SessionRunner = <T>(statement: (client: ClickHouseClient) => Promise<T>) => Promise<T>;

/**
 * One database seen through the store's read session: reads parse their rows with a zod
 * schema, so a changed column fails loudly; `{db:Identifier}` in a statement is this database.
 */
export class Db {
  constructor(
    private readonly run: SessionRunner,
    readonly database: string,
    /** The nice value of its statements' engine threads, the store's reads' (see Store). */
    private readonly nice = 0,
  ) {}

  async rows<T>(
    row: z.ZodType<T>,
    sql: string,
    params: Record<string, unknown> = {},
  ): Promise<T[]> {
    const rows = await this.run(async (client) => {
      const rs = await client.query({
        query: sql,
        query_params: { ...params, db: this.database },
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings({ os_thread_priority: this.nice }),
      });
      return rs.json();
    });
    return z.array(row).parse(rows);
  }

  /** Inserts rows given as objects keyed by column name. */
  async insert(table: string, values: readonly Record<string, unknown>[]): Promise<void> {
    await this.run((client) =>
      client.insert({
        table: `${this.database}.${table}`,
        values: values as Record<string, unknown>[],
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings({ os_thread_priority: this.nice }),
      }),
    );
  }
}
