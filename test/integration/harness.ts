import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ClickHouseSettings } from '@clickhouse/client';
import { loadConfig, type Config } from '../../src/config/index.js';
import { GRPC_SERVICES, REQUEST_TYPES, type Signal } from '../../src/ingest/otlp/proto.js';
import { startGridscope, type Gridscope } from '../../src/main.js';
import { openClient } from '../../src/store/client.js';

export const silentLog = pino({ level: 'silent' });

/** A fresh data directory under the system temp dir; one per test file (chDB binds one per process). */
export function tempDataDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `gridscope-${name}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined, or fails after
 * `ms`.
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Flags for an in-process server on ephemeral loopback ports. */
export function testConfig(dataDir: string, flags: Record<string, string> = {}): Config {
  return loadConfig(
    {
      'data-dir': dataDir,
      'otlp-grpc-addr': '127.0.0.1:0',
      'otlp-http-addr': '127.0.0.1:0',
      'http-addr': '127.0.0.1:0',
      'batch-max-delay-ms': '20',
      // Tests send one request after another; spacing inserts out would only slow them.
      'batch-min-interval-ms': '0',
      'log-level': 'silent',
      ...flags,
    },
    {},
  );
}

export async function startTestServer(
  dataDir: string,
  flags: Record<string, string> = {},
): Promise<Gridscope> {
  return startGridscope(testConfig(dataDir, flags), silentLog);
}

/**
 * Runs one statement on a session of its own on a data directory, as someone with SQL
 * access to the engine would, outside Gridscope.
 */
export async function sqlOnDataDir(
  dataDir: string,
  query: string,
  settings: ClickHouseSettings = {},
): Promise<void> {
  const client = openClient({ kind: 'embedded', dataDir });
  try {
    await client.command({ query, clickhouse_settings: settings });
  } finally {
    await client.close();
  }
}

export function urls(gs: Gridscope) {
  return {
    grpc: `http://127.0.0.1:${gs.ports.otlpGrpc}`,
    http: `http://127.0.0.1:${gs.ports.otlpHttp}`,
    ops: `http://127.0.0.1:${gs.ports.http}`,
  };
}

/** Rows of a SELECT against an organization's database; `{db:Identifier}` names it. */
export async function rows<T = Record<string, unknown>>(
  gs: Gridscope,
  sql: string,
  params: Record<string, unknown> = {},
  org = 'default',
): Promise<T[]> {
  return (await gs.store.query(org, sql, params)) as T[];
}

export async function count(gs: Gridscope, table: string, org = 'default'): Promise<number> {
  const r = await rows<{ c: string | number }>(
    gs,
    `SELECT count() AS c FROM {db:Identifier}.${table}`,
    {},
    org,
  );
  return Number(r[0]?.c ?? 0);
}

export {
  StatusType,
  RetryInfoType,
  REQUEST_TYPES,
  RESPONSE_TYPES,
} from '../../src/ingest/otlp/proto.js';

export interface GrpcReply {
  error: grpc.ServiceError | null;
  response: Buffer | undefined;
}

/** One raw gRPC Export call with pre-encoded bytes, as an OTLP exporter would make it. */
export function grpcExport(
  target: string,
  signal: Signal,
  body: Uint8Array,
  metadata: Record<string, string> = {},
  options: grpc.ClientOptions = {},
): Promise<GrpcReply> {
  const client = new grpc.Client(
    target.replace(/^http:\/\//, ''),
    grpc.credentials.createInsecure(),
    options,
  );
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${GRPC_SERVICES[signal]}/Export`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      md,
      (error, response) => {
        client.close();
        resolve({ error, response });
      },
    );
  });
}

/** POSTs to an OTLP/HTTP path. */
export function postOtlp(
  gs: Gridscope,
  signal: Signal,
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${urls(gs).http}/v1/${signal}`, { method: 'POST', body, headers });
}

/** Nanoseconds since the epoch, now minus `agoSeconds`, as a decimal string. */
export function nanosAgo(agoSeconds = 60, extraNanos = 123_456_789): string {
  return (
    BigInt(Math.floor(Date.now() / 1000) - agoSeconds) * 1_000_000_000n +
    BigInt(extraNanos)
  ).toString();
}

/** An encoded logs export request: `n` records of one service, one second apart from `nanosAgo(60)`. */
export function logsRequestBytes(
  service: string,
  n: number,
  body: (i: number) => string = (i) => `record ${i}`,
  attributes: { key: string; value: { intValue: number } }[] = [],
): Uint8Array {
  const t = nanosAgo(60);
  const req = REQUEST_TYPES.logs.fromObject({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            logRecords: Array.from({ length: n }, (_, i) => ({
              timeUnixNano: t,
              body: { stringValue: body(i) },
              attributes,
            })),
          },
        ],
      },
    ],
  });
  return REQUEST_TYPES.logs.encode(req).finish();
}
