import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { statementSettings } from './client.js';
import { quoteIdentifier, stringLiteral } from './ddl.js';
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
   * For the embedded engine: a directory for batch files, read with INSERT ... FROM INFILE.
   * The embedded connection passes an inlined insert body as text, which a binary block is
   * not, so it must be given one.
   */
  spoolDir?: string | undefined;
  /**
   * Linux nice value of the engine threads running the insert (os_thread_priority), so that
   * reads competing for the cores go first. The engine sets it only with the CAP_SYS_NICE
   * capability. 0 when not given.
   */
  nice?: number;
}

/**
 * ClickHouse error codes that say the data itself could not be read; retrying will not help.
 * Bytes that are not a Native block fail in several ways: an unknown type in a header, a
 * length past the end, a size beyond the engine's limits. A column the table lacks is not
 * among them: that is a schema out of step, which a later attempt may find fixed.
 */
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '33', // CANNOT_READ_ALL_DATA (a Native block shorter than its header says)
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '50', // UNKNOWN_TYPE
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '128', // TOO_LARGE_ARRAY_SIZE
  '130', // CANNOT_READ_ARRAY_FROM_TEXT
  '131', // TOO_LARGE_STRING_SIZE
  '190', // SIZES_OF_ARRAYS_DONT_MATCH
  '563', // CANNOT_READ_MAP_FROM_TEXT
]);

function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && DATA_ERROR_CODES.has(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts rows, as Native blocks (see native-writer.ts), into one table. The deduplication
 * token makes a retried insert of the same rows a no-op when an earlier attempt was in fact
 * committed; every insert passes its own token (see BASELINE_SETTINGS), so no token
 * outlives its batch.
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
  // The rollup views fill aggregating tables from each insert (the metric ones a row per
  // point, which the merges add up): merging equal keys while writing them found almost
  // nothing to merge and took about a tenth of a metric insert's time.
  // Skip indexes (the attribute bloom filters, the body and span name token filters) are
  // built by the merges, which build them again for every part they write anyway: built on
  // insert too, they were about half of a log insert's time and a third of a span insert's.
  // Until its first merge a part is read without them, which costs only time, and only on
  // parts no bigger than one batch.
  const settings = statementSettings({
    insert_deduplication_token: token,
    optimize_on_insert: 0,
    materialize_skip_indexes_on_insert: 0,
    os_thread_priority: opts.nice ?? 0,
  });
  const into = `INSERT INTO ${quoteIdentifier(database)}.${quoteIdentifier(table)} (${columns.map(quoteColumn).join(', ')})`;
  let insert: () => Promise<unknown>;
  const file = opts.spoolDir ? join(opts.spoolDir, `${randomUUID()}.native`) : undefined;
  if (file) {
    const query = `${into} FROM INFILE ${stringLiteral(file)} FORMAT Native`;
    let written = false;
    insert = async () => {
      // A batch file that cannot be written (a full disk, say) is retried as an insert is.
      if (!written) {
        await writeChunks(file, chunks);
        written = true;
      }
      await client.command({ query, clickhouse_settings: settings });
    };
  } else {
    insert = async () => {
      const r = await client.exec({
        query: `${into} FORMAT Native`,
        values: Readable.from(
          chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
          { objectMode: false },
        ),
        clickhouse_settings: settings,
      });
      r.stream.resume();
      await finished(r.stream);
    };
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

/**
 * Writes a batch's pieces (a few hundred views of the requests' blocks) to a new file with
 * vectored writes, a few hundred pieces per call, rather than one write per piece.
 */
async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < chunks.length; i += 256) {
      const group = chunks.slice(i, i + 256);
      const want = group.reduce((n, c) => n + c.length, 0);
      const { bytesWritten } = await file.writev(group);
      if (bytesWritten !== want) throw new Error(`short write to ${path}`);
    }
  } finally {
    await file.close();
  }
}

/** Backquotes a column name such as `Events.Timestamp`. */
function quoteColumn(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`unexpected column name ${name}`);
  return '`' + name + '`';
}
