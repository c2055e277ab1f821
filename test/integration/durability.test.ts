/**
 * Nothing acknowledged is lost: across a clean stop and start, after SIGTERM with requests
 * still queued, and after `kill -9` right behind a run of acknowledged requests.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { startChild, type ChildServer } from './child.js';

const dir = tempDataDir('durability');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
afterAll(() => removeDir(dir));

function logsBytes(service: string, request: number, n: number): Uint8Array {
  return logsRequestBytes(service, n, (i) => `request ${request} record ${i}`, [
    { key: 'request', value: { intValue: request } },
  ]);
}

/** A TCP port free on this machine now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The process serving the data directory `dataDir`, found by its command line. */
function servingPid(dataDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const cli = cmd.includes('src/cli.ts') || cmd.includes('dist/src/cli.js');
      if (cli && cmd.includes(dataDir)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return 0;
}

/** A child process of `parent` running `name`, 0 if none. */
function childNamed(parent: number, name: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === name && ppid === parent) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the Gridscope serving ops on `port` is ready. */
function readyOn(port: number): Promise<unknown> {
  return until(
    'gridscope to start',
    async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      return r?.status === 200 ? true : undefined;
    },
    60_000,
    100,
  );
}

/** Whether process `pid` exits within `ms`. */
function exitsWithin(pid: number, ms: number): Promise<boolean> {
  return until(
    'the process to exit',
    () => Promise.resolve(alive(pid) ? undefined : true),
    ms,
    50,
  ).catch(() => false);
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
async function storedCounts(table = 'otel_logs'): Promise<Map<string, number>> {
  const gs = await startTestServer(dir);
  try {
    const r = await rows<{ s: string; c: number }>(
      gs,
      `SELECT ServiceName AS s, toUInt32(count()) AS c FROM {db:Identifier}.${table} GROUP BY s`,
    );
    return new Map(r.map((x) => [x.s, x.c]));
  } finally {
    await gs.close();
    await drainPending();
  }
}

/**
 * Four senders, each sending again as soon as it has its answer (over kept-alive
 * connections), until `child` has exited on a SIGTERM sent once `enough` items were
 * acknowledged. Checks it exited at once with status 0, and that every answer was a
 * success, a refusal while stopping (503 with Retry-After) or no connection any more.
 */
async function busyUntilStopped(
  child: ChildServer,
  enough: number,
  send: (sender: number, i: number) => Promise<{ status: number; items: number }>,
): Promise<{ acknowledged: number }> {
  let acknowledged = 0;
  const statuses = new Set<number>();
  let exited = false;
  const sender = async (w: number) => {
    for (let i = 0; !exited; i++) {
      const { status, items } = await send(w, i);
      statuses.add(status);
      if (status === 200) acknowledged += items;
      else await new Promise((r) => setTimeout(r, 20));
    }
  };
  const senders = [0, 1, 2, 3].map(sender);
  await until(
    'some answers',
    () => Promise.resolve(acknowledged >= enough ? true : undefined),
    20_000,
    20,
  );
  const started = Date.now();
  child.proc.kill('SIGTERM');
  const exit = await child.exited;
  const took = Date.now() - started;
  exited = true;
  await Promise.all(senders);
  expect(exit.code).toBe(0);
  expect(took).toBeLessThan(10_000);
  expect([...statuses].filter((s) => ![200, 503, 0].includes(s))).toEqual([]);
  return { acknowledged };
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

  it('stops on SIGTERM while senders keep their connections busy, refusing what comes after', async () => {
    const child = await startChild(dir, { 'shutdown-timeout-ms': '20000' });
    const run = await busyUntilStopped(child, 100, async (w, i) => {
      const status = await post(child.ports.otlpHttp, logsBytes('busy', w * 1_000_000 + i, 5));
      return { status, items: 5 };
    });
    expect((await storedCounts()).get('busy')).toBe(run.acknowledged);
  });

  it('stops on SIGTERM while API clients keep their connections busy, refusing what comes after', async () => {
    // The REST API takes writes too (points pushed as JSON); its clients must no more hold
    // the shutdown up than OTLP senders, nor reach the store once it closes.
    const child = await startChild(dir, { 'shutdown-timeout-ms': '20000', auth: 'off' });
    const run = await busyUntilStopped(child, 20, async (w, i) => {
      const status = await fetch(`http://127.0.0.1:${child.ports.http}/api/v1/monitoring/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          points: [{ name: 'busy.api', value: i, service: 'busy-api', attributes: { w, i } }],
        }),
      }).then(
        (r) => r.status,
        () => 0,
      );
      return { status, items: 1 };
    });
    // Never an error from a store closed under the request.
    expect(child.logs.join('\n')).not.toMatch(/is closed/);
    expect((await storedCounts('otel_metrics_gauge')).get('busy-api')).toBe(run.acknowledged);
  });

  it('exits on SIGTERM when nothing reads its output any more', async () => {
    // As `gridscope serve | cat`, with the cat killed: the reader of its output has gone.
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const serve = [
      JSON.stringify(process.execPath),
      '--import tsx src/cli.ts serve',
      `--data-dir ${JSON.stringify(dir)}`,
      `--otlp-grpc-addr 127.0.0.1:${ports[0]}`,
      `--otlp-http-addr 127.0.0.1:${ports[1]}`,
      `--http-addr 127.0.0.1:${ports[2]}`,
      '--shutdown-timeout-ms 5000',
    ].join(' ');
    const shell = spawn('sh', ['-c', `${serve} 2>&1 | cat >/dev/null`], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    try {
      await readyOn(ports[2]);
      const pid = servingPid(dir);
      expect(pid).toBeGreaterThan(0);
      const reader = childNamed(shell.pid!, 'cat');
      expect(reader).toBeGreaterThan(0);
      process.kill(reader, 'SIGKILL');
      await until('the reader to go', () => Promise.resolve(alive(reader) ? undefined : true));
      process.kill(pid, 'SIGTERM');
      const started = Date.now();
      const gone = await exitsWithin(pid, 15_000);
      if (!gone) process.kill(pid, 'SIGKILL');
      expect(gone).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('stops when npm start is sent SIGTERM', async () => {
    // `npm start` runs the built server (`npm ci` builds it); a stop sent to npm, as a
    // process manager sends it, must reach Gridscope rather than leave it without a parent.
    expect(existsSync(join(ROOT, 'dist/src/cli.js'))).toBe(true);
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const npm = spawn(
      'npm',
      [
        'start',
        '--',
        '--data-dir',
        dir,
        '--otlp-grpc-addr',
        `127.0.0.1:${ports[0]}`,
        '--otlp-http-addr',
        `127.0.0.1:${ports[1]}`,
        '--http-addr',
        `127.0.0.1:${ports[2]}`,
        '--shutdown-timeout-ms',
        '5000',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const npmExited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
    let pid = 0;
    try {
      await readyOn(ports[2]);
      pid = servingPid(dir);
      expect(pid).toBeGreaterThan(0);
      npm.kill('SIGTERM');
      const gone = await exitsWithin(pid, 15_000);
      expect(gone).toBe(true);
      await npmExited;
      expect(out).toContain('"msg":"gridscope stopped"');
    } finally {
      npm.kill('SIGKILL');
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('ends at once on a second signal of either kind', async () => {
    // A second signal comes once the first is being handled (Ctrl-C, then a stop), while a
    // request whose body never ends holds the stop up.
    const child = await startChild(dir);
    const stuck = request({
      port: child.ports.otlpHttp,
      method: 'POST',
      path: '/v1/logs',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': '1000' },
    });
    stuck.on('error', () => undefined);
    stuck.write(Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 200));
    child.proc.kill('SIGINT');
    await until(
      'the first signal to be handled',
      () => Promise.resolve(child.logs.some((l) => l.includes('stopping')) ? true : undefined),
      10_000,
      5,
    );
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    stuck.destroy();
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
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
