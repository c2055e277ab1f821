/**
 * Nothing acknowledged is lost: across a clean stop and start, after SIGTERM with requests
 * still queued, and after `kill -9` right behind a run of acknowledged requests.
 */
import { drainPending } from 'chdb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  logsRequestBytes,
  removeDir,
  rows,
  startTestServer,
  tempDataDir,
  until,
} from './harness.js';
import { startChild } from './child.js';

const dir = tempDataDir('durability');
afterAll(() => removeDir(dir));

function logsBytes(service: string, request: number, n: number): Uint8Array {
  return logsRequestBytes(service, n, (i) => `request ${request} record ${i}`, [
    { key: 'request', value: { intValue: request } },
  ]);
}

function post(port: number, body: Uint8Array): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/v1/logs`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  }).then(
    (r) => r.status,
    () => 0,
  );
}

/** Counts stored rows per service by opening the directory in this process. */
async function storedCounts(): Promise<Map<string, number>> {
  const gs = await startTestServer(dir);
  try {
    const r = await rows<{ s: string; c: number }>(
      gs,
      'SELECT ServiceName AS s, toUInt32(count()) AS c FROM {db:Identifier}.otel_logs GROUP BY s',
    );
    return new Map(r.map((x) => [x.s, x.c]));
  } finally {
    await gs.close();
    await drainPending();
  }
}

describe('durability', () => {
  it('keeps every acknowledged record after kill -9 right behind the acknowledgements', async () => {
    const child = await startChild(dir, { 'batch-max-delay-ms': '50' });
    const perRequest = 200;
    let acknowledged = 0;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      inFlight.push(
        post(child.ports.otlpHttp, logsBytes('killed', i, perRequest)).then((status) => {
          if (status === 200) acknowledged += perRequest;
        }),
      );
      if (inFlight.length >= 8) await Promise.race(inFlight.splice(0, 1));
    }
    await Promise.all(inFlight);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(acknowledged).toBe(60 * perRequest);

    const counts = await storedCounts();
    expect(counts.get('killed')).toBe(acknowledged);
  });

  it('writes queued rows and answers them on SIGTERM, then exits 0', async () => {
    // Rows wait up to 10 s for their batch: SIGTERM must write them rather than wait or drop them.
    const child = await startChild(dir, {
      'batch-max-delay-ms': '10000',
      'batch-max-rows': '1000000',
    });
    const pending = Array.from({ length: 10 }, (_, i) =>
      post(child.ports.otlpHttp, logsBytes('sigterm', i, 50)),
    );
    // Every request counted as received is in the queue: its rows go in right after.
    const received = async () => {
      const text = await (await fetch(`http://127.0.0.1:${child.ports.http}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('gridscope_otlp_items_received_total{') && l.includes('"logs"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    await until(
      'the requests to reach the queue',
      async () => ((await received()) >= 500 ? true : undefined),
      20_000,
      50,
    );
    const started = Date.now();
    child.proc.kill('SIGTERM');
    const statuses = await Promise.all(pending);
    const exit = await child.exited;
    expect(statuses).toEqual(Array(10).fill(200));
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(9000);
    expect(child.logs.join('\n')).toMatch(/gridscope stopped/);

    const counts = await storedCounts();
    expect(counts.get('sigterm')).toBe(500);
  });

  it('finds everything again after a clean stop and start in the same directory', async () => {
    const before = await storedCounts();
    const gs = await startTestServer(dir);
    const status = await post(gs.ports.otlpHttp, logsBytes('restart', 0, 25));
    expect(status).toBe(200);
    await gs.close();
    await drainPending();
    const after = await storedCounts();
    expect(after.get('restart')).toBe(25);
    expect(after.get('killed')).toBe(before.get('killed'));
    expect(after.get('sigterm')).toBe(before.get('sigterm'));
  });
});
