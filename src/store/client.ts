import {
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
} from '@clickhouse/client';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as ChdbConnectionModule from 'chdb/connection';
import { resolve } from 'node:path';

/** Where the data lives: the embedded engine in a directory, or a ClickHouse server. */
export type Backend = { kind: 'embedded'; dataDir: string } | { kind: 'server'; url: string };

/**
 * Every setting any Gridscope statement sets, at the engine's default. Each statement runs
 * with this whole set plus its own values: the embedded connection keeps a setting in its
 * session after the statement that set it (a leftover insert_deduplication_token silently
 * drops the next, different insert), so no statement may rely on a setting being unset.
 */
export const BASELINE_SETTINGS = {
  insert_deduplicate: 1,
  insert_deduplication_token: '',
  materialize_skip_indexes_on_insert: 1,
  materialize_ttl_after_modify: 1,
  max_execution_time: 0,
  optimize_on_insert: 1,
} as const satisfies ClickHouseSettings;

export type StatementSettings = Partial<Record<keyof typeof BASELINE_SETTINGS, string | number>>;

/** The full settings a statement runs with: the baseline, overridden by its own. */
export function statementSettings(own: StatementSettings = {}): ClickHouseSettings {
  return { ...BASELINE_SETTINGS, ...own } as ClickHouseSettings;
}

/**
 * Opens one client; the embedded engine allows several sessions on one path. On a server,
 * `database` makes it the default database of the client's statements.
 */
export function openClient(backend: Backend, opts: { database?: string } = {}): ClickHouseClient {
  if (backend.kind === 'server') {
    return createClient({
      url: backend.url,
      request_timeout: 60_000,
      compression: { request: false, response: true },
      ...(opts.database === undefined ? {} : { database: opts.database }),
    });
  }
  const dir = resolve(backend.dataDir);
  mkdirSync(dir, { recursive: true });
  // The engine's native library loads only when the embedded store is used. chdb types its
  // connection against its own copy of @clickhouse/client-common; the contract is the same.
  const { createChdbConnection } = createRequire(import.meta.url)(
    'chdb/connection',
  ) as typeof ChdbConnectionModule;
  const connection = createChdbConnection({ path: dir }) as unknown as NonNullable<
    ClickHouseClientConfigOptions['connection']
  >;
  return createClient({ connection });
}
