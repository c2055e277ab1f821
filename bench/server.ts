/**
 * Gridscope under test, in a child process of its own so that its resident memory (the
 * embedded engine included) is measured alone. Loopback addresses only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Ports {
  otlpGrpc: number;
  otlpHttp: number;
  http: number;
}

export interface MemorySample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  rssBytes: number;
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process in bytes, from /proc; null once it has exited. */
export function procMemory(pid: number): { rss: number; hwm: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples a process's RSS at a fixed interval until stopped; memory stays bounded. */
export class RssSampler {
  readonly samples: MemorySample[] = [];
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs: number,
    private readonly maxSamples = 20_000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const m = procMemory(this.pid);
    if (!m || this.samples.length >= this.maxSamples) return;
    this.samples.push({ atMs: performance.now() - this.started, rssBytes: m.rss });
  }

  latest(): number {
    return this.samples.at(-1)?.rssBytes ?? 0;
  }

  maxRss(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.rssBytes), 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface ServerChild {
  pid: number;
  ports: Ports;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(timeoutMs: number): Promise<number | null>;
  /** Prometheus text from /metrics. */
  metrics(): Promise<string>;
  /** Ends the process at once; for an interrupted benchmark only. */
  kill(): void;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Builds and starts `gridscope serve` (dist/src/cli.js) on free loopback ports with `--log-level warn`, forwards its
 * output to our stderr, and resolves once GET /readyz answers 200.
 */
export async function startServer(
  cwd: string,
  dataDir: string,
  extraArgs: readonly string[],
  onSpawn: (child: ChildProcess) => void,
  opts: { readyTimeoutMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<ServerChild> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const ports: Ports = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    http: await freePort(),
  };
  // The compiled build, as `npm start` runs it; build it first so it matches the sources.
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const args = [
    // As `npm start` and the gridscope command run it; a --server-node-arg given later wins.
    '--max-semi-space-size=64',
    ...(opts.nodeArgs ?? []),
    'dist/src/cli.js',
    'serve',
    '--data-dir',
    dataDir,
    '--otlp-grpc-addr',
    `127.0.0.1:${ports.otlpGrpc}`,
    '--otlp-http-addr',
    `127.0.0.1:${ports.otlpHttp}`,
    '--http-addr',
    `127.0.0.1:${ports.http}`,
    '--log-level',
    'warn',
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn(child);
  const forward = (chunk: Buffer) => process.stderr.write(`[server] ${chunk.toString('utf8')}`);
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the server process');
  const done = exited(child);

  const base = `http://127.0.0.1:${ports.http}`;
  const deadline = performance.now() + readyTimeoutMs;
  let ready = false;
  while (!ready && performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `server exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`,
      );
    }
    try {
      const r = await fetch(`${base}/readyz`);
      ready = r.status === 200;
      await r.body?.cancel();
    } catch {
      // not listening yet
    }
    if (!ready) await sleep(200);
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`server not ready after ${readyTimeoutMs} ms`);
  }

  return {
    pid,
    ports,
    async stop(timeoutMs: number) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await done;
      clearTimeout(timer);
      return code;
    },
    async metrics() {
      const r = await fetch(`${base}/metrics`);
      return r.text();
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The value of an unlabelled Prometheus series (NaN included), or undefined without one. */
export function seriesValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Sum of a Prometheus series' values over every label set that includes `labels`. */
export function seriesSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (!ok) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/**
 * `--server-arg NAME=VALUE` options as flags for gridscope serve: `args` to pass on the
 * command line, `flags` by name. Throws naming an option without `=`.
 */
export function serverFlags(pairs: readonly string[]): {
  args: string[];
  flags: Record<string, string>;
} {
  const args: string[] = [];
  const flags: Record<string, string> = {};
  for (const kv of pairs) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--server-arg must be NAME=VALUE: ${kv}`);
    args.push(`--${kv.slice(0, i)}`, kv.slice(i + 1));
    flags[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { args, flags };
}
