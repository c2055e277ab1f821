import type { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { openClient, type Backend } from './client.js';
import { quoteIdentifier } from './ddl.js';
import { checkSelectAst, screenSqlText } from './sql-guard.js';

/** Limits of one user statement. */
export interface UserSqlLimits {
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
  /** The engine's memory for the statement (max_memory_usage); 0 for no limit of its own. */
  maxMemoryBytes: number;
}

export interface UserSqlResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  rowCount: number;
  elapsedMs: number;
}

const JsonResult = z.object({
  meta: z.array(z.object({ name: z.string(), type: z.string() })),
  data: z.array(z.record(z.string(), z.unknown())),
  rows: z.number(),
});

/**
 * How far past the byte limit an answer is read before it is given up (see run): the
 * engine's JSON indents each value and names its column, up to about twice the bytes of the
 * rows as sent for one-column rows of small numbers; READ_SLACK covers its meta and
 * statistics.
 */
const READ_FACTOR = 4;
const READ_SLACK = 1 << 16;

/** ClickHouse error codes that mean the statement hit a Gridscope limit. */
const LIMIT_CODES = new Set(['159', '396', '241', '158', '307']);

const HINT = ' Maybe you meant ';

/**
 * An engine error's line without its suggestion of a similar name when that names a
 * database (`Maybe you meant db.table?`): it can be a table of another database. The line
 * repeats the caller's statement, so this is done in one pass, without a pattern that
 * could backtrack over it; the engine puts its hint after the statement, so the last one
 * is taken.
 */
export function withoutForeignHint(line: string): string {
  const at = line.lastIndexOf(HINT);
  if (at < 0) return line;
  const end = line.indexOf('?', at + HINT.length);
  if (end < 0 || !line.slice(at + HINT.length, end).includes('.')) return line;
  const after = line[end + 1] === '.' ? end + 2 : end + 1;
  return line.slice(0, at) + line.slice(after);
}

/** The code and first line of an engine error, without a hint naming another database. */
function clickhouseError(err: unknown): { code: string; message: string } | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || (typeof e.code !== 'string' && typeof e.code !== 'number')) return undefined;
  if (!/^\d+$/.test(String(e.code))) return undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  return { code: String(e.code), message: withoutForeignHint(message.split('\n')[0]!).trim() };
}

/** Seconds of a time limit in milliseconds, as the engine's max_execution_time takes them. */
export function executionSeconds(timeoutMs: number): number {
  return Math.max(0.001, timeoutMs / 1000);
}

/**
 * A stream's bytes as text, or null as soon as more than `cap` bytes have come (the stream
 * is then destroyed, the rest never read).
 */
export async function readCapped(stream: Readable, cap: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > cap) {
      stream.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The refusal of an answer over a size limit (`what` says which and by how much). */
function tooLarge(what: string): AppError {
  const message = `${what}; add a LIMIT, select fewer or shorter columns, or aggregate`;
  return new AppError('LIMIT_EXCEEDED', `sql: ${message}`, {
    details: [{ location: 'body', field: 'sql', message }],
  });
}

/** What the statement is checked through; errors then count positions from its start. */
const EXPLAIN = 'EXPLAIN AST ';

/**
 * An engine message about the checked statement, with positions counted in characters of
 * the text as the user wrote it (after leading and trailing blanks): the engine counts
 * bytes of the UTF-8, from the start of EXPLAIN.
 */
function asWritten(message: string, text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const shift = (n: string) => {
    const offset = Math.min(bytes.length, Math.max(0, Number(n) - 1 - EXPLAIN.length));
    return String(bytes.subarray(0, offset).toString('utf8').length + 1);
  };
  return message
    .replace(/\bposition (\d+)/g, (_m, n: string) => `position ${shift(n)}`)
    .replace(/\(line 1, col (\d+)\)/g, (_m, n: string) => `(line 1, col ${shift(n)})`);
}

/**
 * Runs users' read-only SQL on a session of its own, so no setting it needs (readonly, the
 * limits) can reach Gridscope's own statements. Every statement runs with the whole set of
 * its settings, and in the organization's database.
 */
export class UserSql {
  private readonly clients = new Map<string, ClickHouseClient>();
  private queue: Promise<unknown> = Promise.resolve();
  private aliases: Promise<Map<string, string>> | undefined;

  constructor(
    private readonly backend: Backend,
    /** The nice value of its statements' engine threads (see Store). */
    private readonly nice = 0,
  ) {}

  async run(
    database: string,
    sql: string,
    params: Record<string, unknown>,
    limits: UserSqlLimits,
  ): Promise<UserSqlResult> {
    const text = screenSqlText(sql);
    // On the embedded engine one session serves every organization, switched with USE;
    // the statements of one call must not interleave with another call's.
    const task = this.queue.then(() => this.execute(database, text, params, limits));
    this.queue = task.catch(() => undefined);
    return task;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }

  private async execute(
    database: string,
    text: string,
    params: Record<string, unknown>,
    limits: UserSqlLimits,
  ): Promise<UserSqlResult> {
    const client = this.client(database);
    const settings = (maxRows: number): ClickHouseSettings => ({
      readonly: '2',
      max_execution_time: executionSeconds(limits.timeoutMs),
      // No digit of a 64-bit integer is lost to a JSON number, and NaN and the infinities
      // stay values: as strings, as ClickHouse's JSON gives them by default.
      output_format_json_quote_64bit_integers: 1,
      output_format_json_quote_denormals: 1,
      max_result_rows: String(maxRows),
      // The limit applies to the rows as sent (checked below); the engine counts its own
      // blocks, which for a small answer can be larger, so it stops only where the answer
      // is given up.
      max_result_bytes: String(READ_FACTOR * limits.maxBytes + READ_SLACK),
      result_overflow_mode: 'throw',
      // The embedded engine hands over a whole answer at once, however large, before the
      // byte limit can be checked here (one statement of long values took the process past
      // 2 GiB): the memory the statement may use bounds that too.
      max_memory_usage: String(limits.maxMemoryBytes),
      os_thread_priority: String(this.nice),
    });
    const embedded = this.backend.kind === 'embedded';
    const use = embedded ? `USE ${quoteIdentifier(database)}; ` : '';
    let explaining = true;
    try {
      // exec sends the text as it is: query() would append a FORMAT clause, which EXPLAIN
      // would take as part of the explained statement.
      const ast = await client.exec({
        query: `${EXPLAIN}${text}`,
        query_params: params,
        clickhouse_settings: { ...settings(0), default_format: 'TSVRaw' as never },
      });
      let explained = '';
      for await (const chunk of ast.stream) explained += String(chunk);
      explaining = false;
      const lines = explained.split('\n');
      const aliases = await this.functionAliases(client, settings(100_000));
      checkSelectAst(lines, database, (name) => aliases.get(name.toLowerCase()));
      const started = performance.now();
      // The engine does not always stop an answer at max_result_bytes (a few long values
      // passed it), nor count rows that arrayJoin multiplies after its check: both are
      // checked here. The answer is read as it comes and given up past READ_FACTOR times
      // the byte limit (the engine's JSON spends more bytes than the answer sent), so that an
      // answer far over the limit is not held whole; the rows are then measured as sent.
      const rs = await client.exec({
        query: `${use}${text.trim().replace(/;+$/, '')}\nFORMAT JSON`,
        query_params: params,
        clickhouse_settings: settings(limits.maxRows),
      });
      const answer = await readCapped(rs.stream, READ_FACTOR * limits.maxBytes + READ_SLACK);
      if (answer === null) throw tooLarge(`the result has more than ${limits.maxBytes} bytes`);
      const body = JsonResult.parse(JSON.parse(answer));
      if (body.rows > limits.maxRows) {
        throw tooLarge(`the result has ${body.rows} rows, more than ${limits.maxRows}`);
      }
      const bytes = Buffer.byteLength(JSON.stringify(body.data));
      if (bytes > limits.maxBytes) {
        throw tooLarge(`the result has ${bytes} bytes, more than ${limits.maxBytes}`);
      }
      return {
        columns: body.meta,
        rows: body.data,
        rowCount: body.rows,
        elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      };
    } catch (err) {
      // The embedded session can hand a failed statement's partial output to the next
      // call (seen with exec after a limit error); a fresh session has no such leftovers.
      if (!(err instanceof AppError) || this.backend.kind === 'embedded')
        await this.discard(database);
      if (err instanceof AppError) throw err;
      const found = clickhouseError(err);
      if (!found) throw err;
      const ch = explaining ? { ...found, message: asWritten(found.message, text) } : found;
      if (LIMIT_CODES.has(ch.code)) {
        throw new AppError(
          'LIMIT_EXCEEDED',
          `sql: ${ch.message} (limits: ${limits.timeoutMs} ms, ${limits.maxRows} rows, ${limits.maxBytes} bytes)`,
          {
            details: [
              { location: 'body', field: 'sql', message: ch.message, clickhouseCode: ch.code },
            ],
          },
        );
      }
      throw new AppError('VALIDATION', `sql: ${ch.message}`, {
        details: [{ location: 'body', field: 'sql', message: ch.message, clickhouseCode: ch.code }],
      });
    }
  }

  private async discard(database: string): Promise<void> {
    const key = this.backend.kind === 'embedded' ? '' : database;
    const c = this.clients.get(key);
    this.clients.delete(key);
    await c?.close().catch(() => undefined);
  }

  /** The embedded engine's one session, or a server client whose default database is `database`. */
  /** The engine's function aliases, lower-cased, to what they stand for; read once. */
  private async functionAliases(
    client: ClickHouseClient,
    settings: ClickHouseSettings,
  ): Promise<Map<string, string>> {
    this.aliases ??= (async () => {
      const rs = await client.query({
        query: `SELECT lower(name) AS name, alias_to AS of FROM system.functions WHERE alias_to != ''`,
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
      const rows = await rs.json<{ name: string; of: string }>();
      return new Map(rows.map((r) => [r.name, r.of]));
    })().catch((err: unknown) => {
      // A failed read is tried again by the next statement.
      this.aliases = undefined;
      throw err;
    });
    return this.aliases;
  }

  private client(database: string): ClickHouseClient {
    const key = this.backend.kind === 'embedded' ? '' : database;
    let c = this.clients.get(key);
    if (!c) {
      c = openClient(this.backend, this.backend.kind === 'server' ? { database } : {});
      this.clients.set(key, c);
    }
    return c;
  }
}
