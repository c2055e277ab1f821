/**
 * Size limits, the bounded queue and ingest tokens, over both transports. Servers run one
 * after another on one data directory (the embedded engine binds one per process).
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import { pino } from 'pino';
import { startGridscope, type Gridscope } from '../../src/main.js';
import { openClient } from '../../src/store/client.js';
import {
  count,
  grpcExport,
  logsRequestBytes,
  postOtlp,
  removeDir,
  RetryInfoType,
  rows,
  startTestServer,
  StatusType,
  tempDataDir,
  testConfig,
  until,
  urls,
} from './harness.js';
import { exportLogs, TRANSPORTS } from './otel-exporters.js';
import { makeLogs } from './telemetry.js';

const dir = tempDataDir('limits');
afterAll(() => removeDir(dir));

const PROTO = { 'content-type': 'application/x-protobuf' };

function logsBytes(service: string, n: number, bodySize = 100): Uint8Array {
  return logsRequestBytes(service, n, (i) => `${i} ${'x'.repeat(bodySize)}`);
}

const serviceCount = (gs: Gridscope, service: string, org = 'default') =>
  rows<{ c: number }>(
    gs,
    'SELECT toUInt32(count()) AS c FROM {db:Identifier}.otel_logs WHERE ServiceName = {s:String}',
    { s: service },
    org,
  ).then((r) => r[0]!.c);

describe('request size limit', () => {
  let gs: Gridscope;
  beforeAll(async () => {
    gs = await startTestServer(dir, { 'max-request-bytes': '64KiB' });
  });
  afterAll(() => gs.close());

  it('answers an oversize HTTP body with 413 and writes nothing', async () => {
    const res = await postOtlp(gs, 'logs', logsBytes('oversize', 1000), PROTO);
    expect(res.status).toBe(413);
    expect(await serviceCount(gs, 'oversize')).toBe(0);
  });

  it('applies the limit after decompression', async () => {
    const bomb = gzipSync(logsBytes('gzip-bomb', 2000, 1000));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await postOtlp(gs, 'logs', bomb, { ...PROTO, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await serviceCount(gs, 'gzip-bomb')).toBe(0);
  });

  it('answers an oversize gRPC message with RESOURCE_EXHAUSTED, also when compressed', async () => {
    const plain = await grpcExport(urls(gs).grpc, 'logs', logsBytes('oversize-grpc', 1000));
    expect(plain.error?.code).toBe(8);
    const zipped = await grpcExport(
      urls(gs).grpc,
      'logs',
      logsBytes('oversize-grpc', 2000, 1000),
      {},
      {
        'grpc.default_compression_algorithm': 2,
      },
    );
    expect(zipped.error?.code).toBe(8);
    expect(await serviceCount(gs, 'oversize-grpc')).toBe(0);
  });

  it('accepts a request just under the limit', async () => {
    const res = await postOtlp(gs, 'logs', logsBytes('under-limit', 100), PROTO);
    expect(res.status).toBe(200);
    expect(await serviceCount(gs, 'under-limit')).toBe(100);
  });
});

describe('full queue', () => {
  let gs: Gridscope;
  beforeAll(async () => {
    // One request's rows fill most of the queue and wait 5 s for their batch to be written.
    gs = await startTestServer(dir, {
      'queue-max-bytes': '24KiB',
      'batch-max-delay-ms': '5000',
      'batch-max-rows': '100000',
    });
  });
  afterAll(() => gs.close());

  it('refuses new requests with 429 / UNAVAILABLE and a retry delay, and keeps what it accepted', async () => {
    const first = postOtlp(gs, 'logs', logsBytes('queued', 60), PROTO);
    // Let the first request reach the queue.
    await until(
      'the first request to reach the queue',
      () => Promise.resolve(gs.store.budget.bytes > 12 * 1024 ? true : undefined),
      10_000,
      20,
    );

    const refused = await postOtlp(gs, 'logs', logsBytes('refused', 60), PROTO);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const status = StatusType.decode(new Uint8Array(await refused.arrayBuffer())) as unknown as {
      details: { type_url: string; value: Uint8Array }[];
    };
    expect(status.details[0]?.type_url).toBe('type.googleapis.com/google.rpc.RetryInfo');

    const grpcRefused = await grpcExport(urls(gs).grpc, 'logs', logsBytes('refused', 60));
    expect(grpcRefused.error?.code).toBe(14);
    const details = grpcRefused.error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const st = StatusType.decode(details) as unknown as {
      details: { typeUrl: string; value: Uint8Array }[];
    };
    const retry = RetryInfoType.toObject(RetryInfoType.decode(st.details[0]!.value), {
      longs: Number,
    }) as {
      retryDelay: { seconds: number };
    };
    expect(retry.retryDelay.seconds).toBe(1);

    // Gridscope keeps serving: health answers while the queue is full.
    expect((await fetch(`${urls(gs).ops}/healthz`)).status).toBe(200);

    expect((await first).status).toBe(200);
    expect(await serviceCount(gs, 'queued')).toBe(60);
    expect(await serviceCount(gs, 'refused')).toBe(0);
    expect(gs.store.budget.bytes).toBe(0);
    const metrics = await (await fetch(`${urls(gs).ops}/metrics`)).text();
    expect(metrics).toMatch(
      /gridscope_otlp_items_refused_total\{reason="limit_exceeded",signal="logs",transport="http"\} 60/,
    );
    // The process's memory, and the JavaScript part of it, which is smaller.
    const gauge = (name: string) =>
      Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const rss = gauge('process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(50 * 2 ** 20);
    expect(gauge('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(gauge('nodejs_heap_size_used_bytes')).toBeLessThan(rss);
    expect(gauge('nodejs_external_memory_bytes')).toBeGreaterThan(0);
    // The engine's own figures, read from it at the scrape: the memory it tracks (which
    // includes its caches) and its caches, each a part of the process's memory.
    const tracked = gauge('gridscope_store_memory_tracked_bytes');
    expect(tracked).toBeGreaterThan(0);
    expect(tracked).toBeLessThan(rss);
    const caches = gauge('gridscope_store_cache_bytes');
    expect(caches).toBeGreaterThanOrEqual(
      gauge('gridscope_store_mark_cache_bytes') +
        gauge('gridscope_store_primary_index_cache_bytes'),
    );
    expect(caches).toBeLessThan(rss);
    expect(Number.isFinite(gauge('gridscope_store_merge_memory_bytes'))).toBe(true);
  });
});

describe('ingest tokens', () => {
  let gs: Gridscope;
  beforeAll(async () => {
    gs = await startTestServer(dir, {
      'ingest-tokens': 'tok-alpha=alpha,tok-beta=beta',
      'insert-retries': '1',
    });
  });
  afterAll(() => gs.close());

  it('refuses requests without a valid token and writes nothing', async () => {
    const before = await count(gs, 'otel_logs', 'alpha');
    const beforeDefault = await count(gs, 'otel_logs', 'default');
    for (const headers of [
      PROTO,
      { ...PROTO, authorization: 'Bearer nope' },
      { ...PROTO, authorization: 'tok-alpha' },
    ]) {
      const res = await postOtlp(gs, 'logs', logsBytes('no-token', 3), headers);
      expect(res.status).toBe(401);
    }
    const noToken = await grpcExport(urls(gs).grpc, 'logs', logsBytes('no-token', 3));
    expect(noToken.error?.code).toBe(16);
    const wrong = await grpcExport(urls(gs).grpc, 'logs', logsBytes('no-token', 3), {
      authorization: 'Bearer nope',
    });
    expect(wrong.error?.code).toBe(16);
    expect(await count(gs, 'otel_logs', 'alpha')).toBe(before);
    expect(await count(gs, 'otel_logs', 'default')).toBe(beforeDefault);
  });

  it('writes each organization into its own database, over every transport', async () => {
    for (const transport of TRANSPORTS) {
      const alpha = await exportLogs(transport, urls(gs), await makeLogs(`tenant-${transport}`), {
        token: 'tok-alpha',
      });
      expect(alpha.code, String(alpha.error)).toBe(ExportResultCode.SUCCESS);
      const beta = await exportLogs(transport, urls(gs), await makeLogs(`tenant-${transport}`), {
        token: 'tok-beta',
      });
      expect(beta.code, String(beta.error)).toBe(ExportResultCode.SUCCESS);
      const unauth = await exportLogs(transport, urls(gs), await makeLogs(`tenant-${transport}`));
      expect(unauth.code).toBe(ExportResultCode.FAILED);
      expect(await serviceCount(gs, `tenant-${transport}`, 'alpha')).toBe(3);
      expect(await serviceCount(gs, `tenant-${transport}`, 'beta')).toBe(3);
    }
    const databases = await rows<{ name: string }>(
      gs,
      "SELECT name FROM system.databases WHERE name LIKE 'gridscope_%' ORDER BY name",
    );
    expect(databases.map((d) => d.name)).toEqual(
      expect.arrayContaining(['gridscope_alpha', 'gridscope_beta']),
    );
  });
});

describe('slow requests', () => {
  let gs: Gridscope;
  beforeAll(async () => {
    // Auth off, so that the REST API reads the body (a call without a key is answered at once).
    const config = testConfig(dir, { 'http-request-timeout-ms': '1500', auth: 'off' });
    gs = await startGridscope(config, pino({ level: 'info' }, { write: (l) => logged.push(l) }));
  });
  const logged: string[] = [];
  afterAll(() => gs.close());

  /** What a sender that stops halfway through its body hears, and when the connection ends. */
  function trickle(port: number, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            'Content-Length: 1000\r\n\r\n{"resourceLogs"',
        );
      });
      let heard = '';
      socket.on('data', (d: Buffer) => (heard += d.toString()));
      socket.on('close', () => resolve(heard));
      socket.on('error', reject);
    });
  }

  it('answers a request whose body does not all arrive in time with 408 and closes it', async () => {
    const { http, ops } = urls(gs);
    for (const [base, path] of [
      [http, '/v1/logs'],
      [ops, '/api/v1/monitoring/query/sql'],
    ] as const) {
      const heard = await trickle(Number(new URL(base).port), path);
      expect(heard, path).toMatch(/^HTTP\/1\.1 408/);
    }
    // The server goes on answering, and a sender that was too slow is no error of its own.
    const res = await postOtlp(gs, 'logs', logsBytes('after-slow', 1), PROTO);
    expect(res.status).toBe(200);
    const errors = logged.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  }, 20_000);
});

describe('storage failure', () => {
  let gs: Gridscope;
  beforeAll(async () => {
    gs = await startTestServer(dir, { 'ingest-tokens': 'tok-gamma=gamma', 'insert-retries': '1' });
  });
  afterAll(() => gs.close());

  it('answers 503 / UNAVAILABLE with a retry delay when inserts keep failing', async () => {
    const admin = openClient({ kind: 'embedded', dataDir: dir });
    await admin.command({ query: 'DROP TABLE gridscope_gamma.otel_logs' });
    await admin.close();
    const auth = { authorization: 'Bearer tok-gamma' };
    const res = await postOtlp(gs, 'logs', logsBytes('lost-table', 5), { ...PROTO, ...auth });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    // The sender hears what to do; the engine's message, which names the table and
    // Gridscope's files, stays in the log.
    const status = StatusType.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      message: string;
    };
    expect(status.message).toBe('storage is unavailable; retry later');
    const reply = await grpcExport(urls(gs).grpc, 'logs', logsBytes('lost-table', 5), auth);
    expect(reply.error?.code).toBe(14);
    expect(reply.error?.details).toBe('storage is unavailable; retry later');
    expect(gs.store.budget.bytes).toBe(0);
  });
});
