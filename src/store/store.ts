import type { ClickHouseClient } from '@clickhouse/client';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../lib/errors.js';
import { ORG_ID } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { statementSettings, openClient, type Backend } from './client.js';
import { TableBatcher, QueueBudget, type BatchLimits, type BatchObserver } from './batcher.js';
import { AuditRepo } from './audit.js';
import { CollectorRepo } from './collectors.js';
import { migrate } from './migrations.js';
import { PlatformRepo } from './platform.js';
import { Db } from './sql.js';
import { executionSeconds, UserSql, type UserSqlLimits, type UserSqlResult } from './user-sql.js';
import { applyRetention, type Retention } from './retention.js';
import type { TableName } from './tables.js';
import type { WriteOptions } from './writer.js';

export interface StoreOptions {
  backend: Backend;
  /** Database of organization `org` is `${databasePrefix}${org}`. */
  databasePrefix: string;
  cluster?: string | undefined;
  retention: Retention;
  batch: BatchLimits;
  write: WriteOptions;
  queueMaxBytes: number;
  /** Sessions used for inserts; the embedded engine runs one statement per session at a time. */
  insertConnections: number;
  /** Sessions used for reads (1 when not given). */
  readConnections?: number;
  observer: BatchObserver;
  log: Logger;
}

/** Limits of one read. */
export interface QueryOptions {
  /** Stop the read after this long (rounded up to whole seconds). */
  timeoutMs?: number | undefined;
}

/** How long a retired session stays open for statements already queued on it. */
const RETIRED_SESSION_CLOSE_MS = 60_000;

/** ClickHouse's error code for a query stopped by max_execution_time. */
const TIMEOUT_EXCEEDED = '159';

/** The ClickHouse error code of an error from the client, if it has one. */
function clickhouseCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

const byteLength = (chunks: readonly Uint8Array[]) => chunks.reduce((n, c) => n + c.length, 0);

/** The engine's memory in bytes (Store.engineMemory). */
export interface EngineMemory {
  tracked: number;
  merges: number;
  caches: number;
  marks: number;
  primaryIndex: number;
}

/** Rows of one request for one table. */
export interface TableRows {
  table: TableName;
  /**
   * The rows as a Native block (see native-writer.ts), in pieces to be written in order;
   * blocks of a table join by concatenation.
   */
  body: readonly Uint8Array[];
  rows: number;
}

/**
 * The one gateway to ClickHouse: every statement Gridscope runs goes through here, and
 * every read and write names its organization.
 */
export class Store {
  private readonly insertClients: ClickHouseClient[];
  /**
   * The API's reads, the repositories' statements and the migrations: a read goes to the
   * session with the fewest statements in flight, so a long read holds up no other while a
   * session is free. The first also runs the migrations and answers pings.
   */
  private readonly readSessions: Session[];
  /**
   * Background statements (the roll-ups' INSERT ... SELECT): the embedded engine runs one
   * statement per session at a time, so on the read session a roll-up held the reads that
   * came during it.
   */
  private readonly background: Session;
  private nextInsertClient = 0;
  private readonly batchers = new Map<string, TableBatcher>();
  private readonly migrated = new Map<string, Promise<void>>();
  readonly budget: QueueBudget;

  private readonly spoolDir: string | undefined;
  private platformReady: Promise<void> | undefined;
  private readonly userSql: UserSql;

  /**
   * The nice value of reads (os_thread_priority), also of the platform, audit and collector
   * statements (Db) and of users' SQL: 1 when writes run at a higher one, else 0. Not 0
   * then, because the engine applies only a value other than 0: a thread it starts while
   * running a write inherits the write's value and would keep it for a read at 0.
   */
  private readonly readNice: number;
  /** The nice value of inserts and background statements, `--write-nice`. */
  private readonly writeNice: number;

  constructor(private readonly opts: StoreOptions) {
    this.writeNice = opts.write.nice ?? 0;
    this.readNice = this.writeNice > 1 ? 1 : 0;
    if (opts.backend.kind === 'embedded') {
      // Batch files for INSERT ... FROM INFILE; anything left by a crash is stale.
      this.spoolDir = join(resolve(opts.backend.dataDir), 'spool');
      rmSync(this.spoolDir, { recursive: true, force: true });
      mkdirSync(this.spoolDir, { recursive: true });
    }
    this.readSessions = Array.from(
      { length: Math.max(1, opts.readConnections ?? 1) },
      () => new Session(opts.backend),
    );
    this.background = new Session(opts.backend);
    this.insertClients = Array.from({ length: Math.max(1, opts.insertConnections) }, () =>
      openClient(opts.backend),
    );
    this.budget = new QueueBudget(opts.queueMaxBytes);
    this.userSql = new UserSql(opts.backend, this.readNice);
  }

  /**
   * Runs a user's read-only SQL in an organization's database, on a session of its own,
   * after checking it is one SELECT that stays in that database (src/store/sql-guard.ts).
   */
  runUserSql(
    org: string,
    sql: string,
    params: Record<string, unknown>,
    limits: UserSqlLimits,
  ): Promise<UserSqlResult> {
    return this.userSql.run(this.database(org), sql, params, limits);
  }

  /** The database holding an organization's telemetry. */
  database(org: string): string {
    if (!ORG_ID.test(org))
      throw new AppError('VALIDATION', `invalid organization id: ${JSON.stringify(org)}`);
    return this.opts.databasePrefix + org;
  }

  /**
   * The database of the installation's organizations, API keys and platform audit trail.
   * No organization's database can have this name: organization ids do not start with `_`.
   */
  platformDatabase(): string {
    return `${this.opts.databasePrefix}_platform`;
  }

  /** Creates or migrates the platform database; once. */
  preparePlatform(): Promise<void> {
    this.platformReady ??= (async () => {
      const target = { database: this.platformDatabase(), cluster: this.opts.cluster };
      await migrate(this.primary.client, target, 'platform');
      await applyRetention(this.primary.client, target, this.opts.retention);
    })();
    this.platformReady.catch(() => (this.platformReady = undefined));
    return this.platformReady;
  }

  /** Organizations and API keys; call preparePlatform() first. */
  platform(): PlatformRepo {
    return new PlatformRepo(new Db(this.read, this.platformDatabase(), this.readNice));
  }

  /** The audit trail of an organization, or of the platform with `null`. */
  audit(org: string | null): AuditRepo {
    const database = org === null ? this.platformDatabase() : this.database(org);
    return new AuditRepo(new Db(this.read, database, this.readNice));
  }

  /** An organization's scrape jobs; call prepareOrg(org) first. */
  collectors(org: string): CollectorRepo {
    return new CollectorRepo(new Db(this.read, this.database(org), this.readNice));
  }

  /** Creates or migrates an organization's database and applies its retention; once per org. */
  prepareOrg(org: string): Promise<void> {
    let p = this.migrated.get(org);
    if (!p) {
      p = this.migrateOrg(org);
      this.migrated.set(org, p);
      p.catch(() => this.migrated.delete(org));
    }
    return p;
  }

  private async migrateOrg(org: string): Promise<void> {
    const target = { database: this.database(org), cluster: this.opts.cluster };
    const applied = await migrate(this.primary.client, target);
    const ttl = await applyRetention(this.primary.client, target, this.opts.retention);
    this.opts.log.info(
      { org, database: target.database, applied, ttlChanged: ttl },
      'organization schema ready',
    );
  }

  /**
   * Queues a request's rows for their tables and resolves once all are committed. The whole
   * request is refused with UNAVAILABLE when the queue cannot take it.
   */
  async write(org: string, parts: readonly TableRows[]): Promise<void> {
    const database = this.database(org);
    await this.prepareOrg(org);
    const sizes = parts.map((p) => byteLength(p.body));
    const total = sizes.reduce((n, b) => n + b, 0);
    if (total > this.budget.maxBytes) {
      throw new AppError(
        'LIMIT_EXCEEDED',
        `request needs ${total} bytes of queue, more than the whole queue (${this.budget.maxBytes})`,
      );
    }
    if (!this.budget.tryTake(total)) {
      throw new AppError('LIMIT_EXCEEDED', 'ingest queue is full; retry later', {
        retryAfterSeconds: 1,
      });
    }
    await Promise.all(
      parts.map((p, i) => this.batcher(database, p.table).add(p.body, p.rows, sizes[i]!)),
    );
  }

  /**
   * Runs a read and returns its rows; parameters are bound, `{db:Identifier}` is the org's
   * database. A read running past `timeoutMs` is stopped and answered as LIMIT_EXCEEDED.
   */
  async query(
    org: string,
    sql: string,
    params: Record<string, unknown> = {},
    opts: QueryOptions = {},
  ): Promise<unknown[]> {
    const own =
      opts.timeoutMs === undefined ? {} : { max_execution_time: executionSeconds(opts.timeoutMs) };
    try {
      return await this.read(async (client) => {
        const rs = await client.query({
          query: sql,
          query_params: { ...params, db: this.database(org) },
          format: 'JSONEachRow',
          clickhouse_settings: statementSettings({ ...own, os_thread_priority: this.readNice }),
        });
        return await rs.json<unknown>();
      });
    } catch (err) {
      if (clickhouseCode(err) === TIMEOUT_EXCEEDED) {
        throw new AppError(
          'LIMIT_EXCEEDED',
          `query ran longer than ${opts.timeoutMs} ms and was stopped`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  /**
   * Runs a background statement that returns no rows, such as an INSERT ... SELECT into a
   * roll-up, on a session of its own, so reads do not wait for it; parameters are bound as
   * in `query`.
   */
  async command(org: string, sql: string, params: Record<string, unknown>): Promise<void> {
    await this.background.run((client) =>
      client.command({
        query: sql,
        query_params: { ...params, db: this.database(org) },
        clickhouse_settings: statementSettings({ os_thread_priority: this.writeNice }),
      }),
    );
  }

  /** The first read session, which runs the migrations and answers pings. */
  private get primary(): Session {
    return this.readSessions[0]!;
  }

  /** Runs a read on the read session with the fewest statements in flight. */
  private readonly read = <T>(statement: (client: ClickHouseClient) => Promise<T>): Promise<T> => {
    let least = this.primary;
    for (const r of this.readSessions) if (r.inFlight < least.inFlight) least = r;
    return least.run(statement);
  };

  /**
   * The engine's memory figures (ClickHouse's `system.metrics`): what it tracks for queries,
   * inserts and merges, what merges alone use, and what its caches hold. For a server, the
   * server's, over all its databases.
   */
  async engineMemory(): Promise<EngineMemory> {
    const rows = await this.read(async (client) => {
      const rs = await client.query({
        query: `SELECT sumIf(value, metric = 'MemoryTracking') AS tracked,
            sumIf(value, metric = 'MergesMutationsMemoryTracking') AS merges,
            sumIf(value, metric LIKE '%CacheBytes') AS caches,
            sumIf(value, metric = 'MarkCacheBytes') AS marks,
            sumIf(value, metric = 'PrimaryIndexCacheBytes') AS primaryIndex
          FROM system.metrics`,
        format: 'JSONEachRow',
        clickhouse_settings: statementSettings({ os_thread_priority: this.readNice }),
      });
      return await rs.json<Record<keyof EngineMemory, string | number>>();
    });
    const row = rows[0];
    const n = (k: keyof EngineMemory) => Number(row?.[k] ?? NaN);
    return {
      tracked: n('tracked'),
      merges: n('merges'),
      caches: n('caches'),
      marks: n('marks'),
      primaryIndex: n('primaryIndex'),
    };
  }

  /** True when the engine answers. */
  async ping(): Promise<boolean> {
    const r = await this.primary.client.ping();
    return r.success;
  }

  /** Writes every queued row now and waits for it. */
  async drain(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.drain()));
  }

  async close(): Promise<void> {
    await this.drain();
    await this.userSql.close();
    await Promise.all([
      ...this.readSessions.map((r) => r.close()),
      this.background.close(),
      ...this.insertClients.map((c) => c.close()),
    ]);
  }

  private batcher(database: string, table: TableName): TableBatcher {
    const key = `${database}.${table}`;
    let b = this.batchers.get(key);
    if (!b) {
      b = new TableBatcher(
        () => this.pickInsertClient(),
        database,
        table,
        this.opts.batch,
        { ...this.opts.write, spoolDir: this.spoolDir },
        this.budget,
        this.opts.observer,
        this.opts.log,
        this.insertClients.length,
      );
      this.batchers.set(key, b);
    }
    return b;
  }

  private pickInsertClient(): ClickHouseClient {
    const c = this.insertClients[this.nextInsertClient % this.insertClients.length]!;
    this.nextInsertClient++;
    return c;
  }
}

/**
 * An engine session. After a failed statement the embedded engine can hand that
 * statement's partial output to the next one on the session (seen with a read that failed
 * midway), so a failure retires the session: later statements get a new one, and the old
 * one is closed once statements already queued on it are done.
 */
class Session {
  private current: ClickHouseClient;
  /** Sessions replaced after a failure, closed a while later. */
  private readonly retired = new Set<ClickHouseClient>();

  constructor(private readonly backend: Backend) {
    this.current = openClient(backend, { sessionParameters: true });
  }

  get client(): ClickHouseClient {
    return this.current;
  }

  /** Statements given to this session and not yet answered. */
  inFlight = 0;

  readonly run = async <T>(statement: (client: ClickHouseClient) => Promise<T>): Promise<T> => {
    const client = this.current;
    this.inFlight++;
    try {
      return await statement(client);
    } catch (err) {
      if (this.backend.kind === 'embedded' && client === this.current) {
        this.current = openClient(this.backend, { sessionParameters: true });
        this.retired.add(client);
        setTimeout(() => {
          this.retired.delete(client);
          void client.close().catch(() => undefined);
        }, RETIRED_SESSION_CLOSE_MS).unref();
      }
      throw err;
    } finally {
      this.inFlight--;
    }
  };

  async close(): Promise<void> {
    const all = [this.current, ...this.retired];
    this.retired.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
