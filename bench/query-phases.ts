/**
 * The query benchmark's loading phases: the bulk load in a child process of its own
 * (bench/query-load.ts; chDB binds one data directory per process, so it must exit before
 * the server opens the directory), and a sample of each signal sent through the receiver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Signal } from '../src/ingest/otlp/proto.js';
import { runLoad, Senders, type LoadResult as IngestResult } from './load.js';
import { buildPool } from './payloads.js';
import type { LoadResult } from './query-load.js';
import type { Ports } from './server.js';

export interface BulkOptions {
  /** The package root, where `bench/query-load.ts` is found. */
  root: string;
  dataDir: string;
  spans: number;
  logs: number;
  points: number;
  nowMs: number;
  onSpawn: (child: ChildProcess) => void;
}

/** Runs the loader to completion; its progress goes to our stderr. */
export function runBulkLoad(opts: BulkOptions): Promise<LoadResult> {
  const args = [
    ...['--import', 'tsx', 'bench/query-load.ts', '--data-dir', opts.dataDir],
    ...['--spans', String(opts.spans), '--logs', String(opts.logs)],
    ...['--points', String(opts.points), '--now-ms', String(opts.nowMs)],
  ];
  const child = spawn(process.execPath, args, {
    cwd: opts.root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  opts.onSpawn(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`bulk load failed (code ${code}, signal ${signal})`));
        return;
      }
      try {
        resolve(JSON.parse(last) as LoadResult);
      } catch {
        reject(new Error(`bulk load printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

/**
 * Sends `requests` export requests of `itemsPerRequest` items per signal over OTLP/HTTP
 * (protobuf), each generated (bench/payloads.ts) with a different time spread over the
 * last 24 hours. Resolves with the items acknowledged per signal; throws on any failure.
 */
export async function sendSample(
  ports: Ports,
  requests: number,
  itemsPerRequest: number,
  nowMs: number,
): Promise<Record<Signal, number>> {
  const senders = new Senders(ports, 4);
  const sent: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
  try {
    for (const signal of SIGNALS) {
      for (let i = 0; i < requests; i++) {
        // Times lead up to a moment between 23 h ago and a minute ago.
        const at = nowMs - 60_000 - (i / Math.max(1, requests - 1)) * 23 * 3_600_000;
        const pool = buildPool(signal, { itemsPerRequest, requests: 1, seed: i + 1, nowMs: at });
        const problem = await senders.send('http', signal, pool.requests[0]!.body);
        if (problem !== null) throw new Error(`sample ${signal} request ${i}: ${problem}`);
        sent[signal] += itemsPerRequest;
      }
    }
  } finally {
    senders.close();
  }
  return sent;
}

/** A mixed load of the three signals running while the read cases are timed. */
export interface BackgroundIngest {
  /** Stops sending, waits for the requests in flight, and resolves with what was acknowledged. */
  stop(): Promise<IngestResult>;
}

/**
 * Starts `clients` OTLP clients sending requests of `itemsPerRequest` items of each signal
 * in turn (half over OTLP/HTTP, half over gRPC), with times leading up to now, each sending
 * its next request once the last is answered, at most `itemsPerSec` items a second in all
 * when given. A few requests are generated and sent again and again, each time with trace
 * and span ids of its own, so that joins by id (the service map) see distinct traces.
 */
export function startIngest(
  ports: Ports,
  clients: number,
  itemsPerRequest: number,
  nowMs: number,
  itemsPerSec?: number,
): BackgroundIngest {
  const senders = new Senders(ports, clients);
  const pools = SIGNALS.map((signal) =>
    buildPool(signal, { itemsPerRequest, requests: 16, seed: 101, nowMs, idRanges: true }),
  );
  const stop = new AbortController();
  const done = runLoad({
    senders,
    pools,
    seconds: 86_400,
    concurrency: clients,
    stop: stop.signal,
    freshIds: true,
    ...(itemsPerSec === undefined ? {} : { requestsPerSec: itemsPerSec / itemsPerRequest }),
  });
  return {
    async stop() {
      stop.abort();
      try {
        return await done;
      } finally {
        senders.close();
      }
    },
  };
}
