import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { TableName } from './tables.js';
import { writeRows, type WriteOptions, type WriteResult } from './writer.js';

/** When a table's batch is written: whichever limit is reached first. */
export interface BatchLimits {
  maxRows: number;
  maxBytes: number;
  maxDelayMs: number;
  /**
   * Shortest time between the starts of two inserts of the table, unless the rows waiting
   * fill a batch, while requests overlap (see TableBatcher): under steady traffic from
   * several senders each table is written about once per interval, in few large parts,
   * while a request after a quiet spell waits only maxDelayMs.
   */
  minIntervalMs: number;
}

export interface BatchObserver {
  onBatch(
    table: TableName,
    rows: number,
    bytes: number,
    seconds: number,
    result: WriteResult,
  ): void;
}

/** Intervals after requests last overlapped during which inserts stay spaced out. */
const OVERLAP_MEMORY = 4;

/** Rows of one request for one table, waiting to be written. */
interface Entry {
  body: readonly Uint8Array[];
  rows: number;
  bytes: number;
  /** performance.now() when the rows were queued. */
  arrivedAt: number;
  resolve: () => void;
  reject: (err: AppError) => void;
}

/**
 * A byte budget shared by every batch: what is queued or being written. A request takes
 * its whole size up front or is refused, so a full queue refuses requests and never drops
 * rows it has accepted.
 */
export class QueueBudget {
  private used = 0;
  constructor(readonly maxBytes: number) {}

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get bytes(): number {
    return this.used;
  }
}

/**
 * Collects rows for one table of one database from concurrent requests and writes them as
 * one insert. Rows arriving while an insert is in flight form the next batch; a second
 * insert of the same table starts alongside only with a full batch (up to
 * `maxInFlight`), so the engine keeps busy under load without writing small batches. Each
 * entry's promise settles when its rows are committed or have failed.
 *
 * Every insert costs the engine a part per table and view, and merging them later, however
 * few its rows: so inserts are spaced by minIntervalMs, but only while requests overlap
 * (one came while another was queued or in flight, within the last OVERLAP_MEMORY
 * intervals). A lone sender waiting for each answer before its next request gains nothing
 * from the wait, since no other rows would join its batch; it would only be slowed.
 */
export class TableBatcher {
  private pending: Entry[] = [];
  private pendingRows = 0;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() when the last insert started. */
  private lastStart = -Infinity;
  /** performance.now() when a request last came while another was queued or in flight. */
  private lastOverlap = -Infinity;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly clients: () => ClickHouseClient,
    readonly database: string,
    readonly table: TableName,
    private readonly limits: BatchLimits,
    private readonly writeOptions: WriteOptions,
    private readonly budget: QueueBudget,
    private readonly observer: BatchObserver,
    private readonly log: Logger,
    private readonly maxInFlight = 1,
  ) {}

  /** Queues rows whose bytes the caller has already taken from the budget. */
  add(body: readonly Uint8Array[], rows: number, bytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const now = performance.now();
      if (this.pending.length > 0 || this.inFlight.size > 0) this.lastOverlap = now;
      this.pending.push({ body, rows, bytes, arrivedAt: now, resolve, reject });
      this.pendingRows += rows;
      this.pendingBytes += bytes;
      this.schedule();
    });
  }

  /** Writes everything queued now, and resolves when nothing is left. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      if (this.inFlight.size === 0) this.start();
      await Promise.race(this.inFlight);
    }
  }

  /**
   * Starts an insert when the pending rows reach a limit, or when nothing is in flight, the
   * oldest of them has waited maxDelayMs and (while requests overlap) the last insert
   * started minIntervalMs ago; otherwise sets a timer for when that will be. The end of an
   * insert schedules again.
   */
  private schedule(): void {
    if (this.pending.length === 0 || this.inFlight.size >= this.maxInFlight) return;
    const full =
      this.pendingRows >= this.limits.maxRows || this.pendingBytes >= this.limits.maxBytes;
    if (full) {
      this.start();
      return;
    }
    if (this.inFlight.size > 0) return;
    const now = performance.now();
    const { maxDelayMs, minIntervalMs } = this.limits;
    const overlapping = now - this.lastOverlap < OVERLAP_MEMORY * minIntervalMs;
    const wait = Math.max(
      maxDelayMs - (now - this.pending[0]!.arrivedAt),
      overlapping ? minIntervalMs - (now - this.lastStart) : 0,
    );
    if (wait <= 0) {
      this.start();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private start(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.lastStart = performance.now();
    const entries = this.takeBatch();
    const p: Promise<void> = this.write(entries).finally(() => {
      this.inFlight.delete(p);
      this.schedule();
    });
    this.inFlight.add(p);
    // A full batch may leave another full one behind.
    this.schedule();
  }

  private takeBatch(): Entry[] {
    const out: Entry[] = [];
    let rows = 0;
    let bytes = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      if (
        out.length > 0 &&
        (rows + next.rows > this.limits.maxRows || bytes + next.bytes > this.limits.maxBytes)
      )
        break;
      out.push(next);
      this.pending.shift();
      rows += next.rows;
      bytes += next.bytes;
    }
    this.pendingRows -= rows;
    this.pendingBytes -= bytes;
    return out;
  }

  private async write(entries: Entry[]): Promise<void> {
    const token = randomUUID();
    const result = await this.writeTimed(entries, token);
    if (result.status === 'failure' && entries.length > 1) {
      // The rows of one request could not be read; write each request on its own so the
      // others are stored and only the offending one fails.
      this.log.warn(
        { table: this.table, err: result.error.message },
        'batch rejected; writing requests one by one',
      );
      for (let i = 0; i < entries.length; i++) {
        const one = entries[i]!;
        this.settle([one], await this.writeTimed([one], `${token}-${i}`));
      }
      return;
    }
    this.settle(entries, result);
  }

  private async writeTimed(entries: Entry[], token: string): Promise<WriteResult> {
    const body = entries.flatMap((e) => e.body);
    const rows = entries.reduce((n, e) => n + e.rows, 0);
    const started = performance.now();
    const result = await writeRows(
      this.clients(),
      this.database,
      this.table,
      body,
      token,
      this.writeOptions,
    );
    this.observer.onBatch(
      this.table,
      rows,
      entries.reduce((n, e) => n + e.bytes, 0),
      (performance.now() - started) / 1000,
      result,
    );
    return result;
  }

  /**
   * Answers a batch's requests. A failure is logged once, with the engine's message; the
   * senders hear what to do, not the engine's text, which can name files and statements.
   */
  private settle(entries: Entry[], result: WriteResult): void {
    for (const e of entries) this.budget.give(e.bytes);
    if (result.status === 'success') {
      for (const e of entries) e.resolve();
      return;
    }
    const retryable = result.status === 'retryable';
    this.log.error(
      { table: this.table, requests: entries.length, err: result.error.message },
      retryable ? 'insert failed after retries' : 'rows could not be stored',
    );
    for (const e of entries) {
      e.reject(
        retryable
          ? new AppError('UNAVAILABLE', 'storage is unavailable; retry later', {
              cause: result.error,
              retryAfterSeconds: 5,
            })
          : new AppError('INTERNAL', "rows could not be stored; Gridscope's log says why", {
              cause: result.error,
            }),
      );
    }
  }
}
