import {
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
} from '@clickhouse/client';
import {
  formatQueryParams,
  type ConnBaseQueryParams,
  type Connection,
} from '@clickhouse/client-common';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as ChdbConnectionModule from 'chdb/connection';
import { resolve } from 'node:path';
import { IDENTIFIER, stringLiteral } from './ddl.js';

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
  os_thread_priority: '0',
} as const satisfies ClickHouseSettings;

export type StatementSettings = Partial<Record<keyof typeof BASELINE_SETTINGS, string | number>>;

/** The full settings a statement runs with: the baseline, overridden by its own. */
export function statementSettings(own: StatementSettings = {}): ClickHouseSettings {
  return { ...BASELINE_SETTINGS, ...own } as ClickHouseSettings;
}

/**
 * Opens one client; the embedded engine allows several sessions on one path. On a server,
 * `database` makes it the default database of the client's statements. With
 * `sessionParameters`, an embedded client gives statements their parameters on its session
 * (see withSessionParameters); without, the engine's binding runs them one at a time across
 * the process.
 */
export function openClient(
  backend: Backend,
  opts: { database?: string; sessionParameters?: boolean } = {},
): ClickHouseClient {
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
  const connection = createChdbConnection({ path: dir }) as unknown as Connection<unknown>;
  return createClient({
    connection: (opts.sessionParameters === true
      ? withSessionParameters(connection)
      : connection) as unknown as NonNullable<ClickHouseClientConfigOptions['connection']>,
  });
}

const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;

/**
 * A statement whose parameters are set on its session by statements run in the same call
 * before it: `SET param_NAME = '...'`, each value in the text a ClickHouse server receives
 * for it over HTTP (formatQueryParams, the client's own), quoted as a string literal. The
 * engine parses that text as the placeholder's type, as it does a bound value, so a value
 * is never read as SQL. A placeholder without a value of its own is refused: the session
 * still holds the values of earlier statements.
 */
export function sessionParameterStatement(
  query: string,
  params: Readonly<Record<string, unknown>>,
): string {
  for (const [, name] of query.matchAll(PLACEHOLDER)) {
    if (!Object.hasOwn(params, name!)) throw new Error(`query parameter ${name} is not set`);
  }
  const sets = Object.entries(params).map(([name, value]) => {
    if (!IDENTIFIER.test(name)) throw new Error(`invalid query parameter name: ${name}`);
    return `SET param_${name} = ${stringLiteral(formatQueryParams({ value }))}`;
  });
  return [...sets, query].join(';\n');
}

/**
 * The embedded connection, giving each statement its parameters on its session instead of
 * through the engine's parameter binding. chdb 3.4 runs bound statements one at a time
 * across the whole process (its native binding cannot keep two statements' parameters
 * apart), and a bound statement also waited for statements running on other sessions:
 * with ingest going, every read (they all bind their values) waited for the inserts in
 * flight. The session runs one call at a time, so no other statement's values come between
 * a statement and its own.
 */
function withSessionParameters(connection: Connection<unknown>): Connection<unknown> {
  const own = <P extends ConnBaseQueryParams>(p: P): P => {
    const params = p.query_params;
    if (params === undefined || Object.keys(params).length === 0) return p;
    return { ...p, query: sessionParameterStatement(p.query, params), query_params: undefined };
  };
  return {
    ping: (p) => connection.ping(p),
    query: (p) => connection.query(own(p)),
    insert: (p) => connection.insert(own(p)),
    command: (p) => connection.command(own(p)),
    exec: (p) => connection.exec(own(p)),
    close: () => connection.close(),
  };
}
