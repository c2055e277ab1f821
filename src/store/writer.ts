import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { statementSettings } from './client.js';
import { quoteIdentifier } from './ddl.js';
import type { TableName } from './tables.js';
import { TABLE_COLUMNS } from './tables.js';

/** Outcome of writing one batch, as a result rather than an exception. */
export type WriteResult =
  | { status: 'success' }
  | { status: 'retryable'; error: Error }
  | { status: 'failure'; error: Error };

export interface WriteOptions {
  /** Further attempts after the first, with the same deduplication token. */
  retries: number;
  /** Delay before the first retry; doubles each time. */
  retryDelayMs: number;
  /**
   * For the embedded engine: a directory for batch files. The engine reads a file with
   * INSERT ... FROM INFILE about three times faster than the same rows inlined in the
   * statement, which is how the embedded connection passes an insert body.
   */
  spoolDir?: string | undefined;
}

/** ClickHouse error codes that say the data itself could not be read; retrying will not help. */
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '130', // CANNOT_READ_ARRAY_FROM_TEXT
  '190', // SIZES_OF_ARRAYS_DONT_MATCH
  '563', // CANNOT_READ_MAP_FROM_TEXT
]);

function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && DATA_ERROR_CODES.has(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts TSV rows into one table. The deduplication token makes a retried insert of the
 * same rows a no-op when an earlier attempt was in fact committed; every insert passes its
 * own token (see BASELINE_SETTINGS), so no token outlives its batch.
 */
export async function writeRows(
  client: ClickHouseClient,
  database: string,
  table: TableName,
  body: Uint8Array | readonly Uint8Array[],
  token: string,
  opts: WriteOptions,
): Promise<WriteResult> {
  // A batch arrives as its requests' row buffers, written in order without joining them.
  const chunks = body instanceof Uint8Array ? [body] : body;
  const columns = TABLE_COLUMNS[table];
  const settings = statementSettings({ insert_deduplication_token: token });
  let insert: () => Promise<unknown>;
  let file: string | undefined;
  if (opts.spoolDir) {
    file = join(opts.spoolDir, `${randomUUID()}.tsv`);
    await writeFile(file, chunks);
    const query = `INSERT INTO ${quoteIdentifier(database)}.${quoteIdentifier(table)} (${columns.map(quoteColumn).join(', ')}) FROM INFILE ${stringLiteral(file)} FORMAT TabSeparated`;
    insert = () => client.command({ query, clickhouse_settings: settings });
  } else {
    insert = () =>
      client.insert({
        table: `${database}.${table}`,
        columns: columns as [string, ...string[]],
        values: Readable.from(
          chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
          { objectMode: false },
        ),
        format: 'TabSeparated',
        clickhouse_settings: settings,
      });
  }
  try {
    let lastError: Error = new Error('not attempted');
    for (let attempt = 0; attempt <= opts.retries; attempt++) {
      if (attempt > 0) await sleep(opts.retryDelayMs * 2 ** (attempt - 1));
      try {
        await insert();
        return { status: 'success' };
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
        if (isDataError(err)) return { status: 'failure', error: lastError };
      }
    }
    return { status: 'retryable', error: lastError };
  } finally {
    if (file) await unlink(file).catch(() => undefined);
  }
}

/** A ClickHouse string literal; used only for the spool file path, which Gridscope makes. */
function stringLiteral(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/** Backquotes a column name such as `Events.Timestamp`. */
function quoteColumn(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`unexpected column name ${name}`);
  return '`' + name + '`';
}
