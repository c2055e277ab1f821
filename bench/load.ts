/**
 * The end-to-end load: pre-encoded export requests sent to Gridscope by several concurrent
 * clients, alternating OTLP/HTTP (protobuf, keep-alive) and OTLP/gRPC, so half the requests
 * go over each. Every response is checked; only acknowledged items are counted.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { GRPC_SERVICES, RESPONSE_TYPES, type Signal } from '../src/ingest/otlp/proto.js';
import { withFreshIds, type Pool } from './payloads.js';
import type { Ports } from './server.js';

export type Transport = 'http' | 'grpc';

/** What one signal's requests achieved during a load run. */
export interface SignalStats {
  requests: number;
  failed: number;
  items: number;
  byTransport: Record<Transport, number>;
  latenciesMs: number[];
  /** Failure reasons and how often each was seen. */
  errors: Map<string, number>;
}

export interface LoadResult {
  seconds: number;
  stats: Partial<Record<Signal, SignalStats>>;
}

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};
const REQUEST_TIMEOUT_MS = 60_000;
/** A bound on requests per run, whatever the duration: far above what a 2-core machine sends. */
const MAX_REQUESTS_PER_SECOND = 5_000;

/** Null when the Export response is a full success, otherwise why not. */
function responseProblem(signal: Signal, body: Uint8Array): string | null {
  const type = RESPONSE_TYPES[signal];
  const obj = type.toObject(type.decode(body), { longs: Number }) as {
    partialSuccess?: Record<string, unknown>;
  };
  const partial = obj.partialSuccess;
  if (!partial) return null;
  const rejected = Number(partial[REJECTED_FIELD[signal]] ?? 0);
  const message = typeof partial['errorMessage'] === 'string' ? partial['errorMessage'] : '';
  if (rejected === 0 && message === '') return null;
  return `partial success: ${rejected} rejected${message ? `: ${message}` : ''}`;
}

/** Sends export requests over both transports; one instance per load run. */
export class Senders {
  private readonly agent: Agent;
  private readonly grpcClient: grpc.Client;

  constructor(
    private readonly ports: Ports,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    this.grpcClient = new grpc.Client(
      `127.0.0.1:${ports.otlpGrpc}`,
      grpc.credentials.createInsecure(),
      {
        'grpc.max_send_message_length': -1,
        'grpc.max_receive_message_length': -1,
      },
    );
  }

  /** Resolves with null on success, or the reason the request failed. */
  send(transport: Transport, signal: Signal, body: Buffer): Promise<string | null> {
    return transport === 'http' ? this.http(signal, body) : this.grpc(signal, body);
  }

  private http(signal: Signal, body: Buffer): Promise<string | null> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.ports.otlpHttp,
          method: 'POST',
          path: `/v1/${signal}`,
          agent: this.agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => resolve(`http: ${err.message}`));
          res.on('end', () => {
            if (res.statusCode !== 200) {
              resolve(`http ${res.statusCode}`);
              return;
            }
            try {
              resolve(responseProblem(signal, Buffer.concat(chunks)));
            } catch (err) {
              resolve(`http: undecodable response: ${(err as Error).message}`);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => resolve(`http: ${err.message}`));
      req.end(body);
    });
  }

  private grpc(signal: Signal, body: Buffer): Promise<string | null> {
    const identity = (b: Buffer): Buffer => b;
    return new Promise((resolve) => {
      this.grpcClient.makeUnaryRequest<Buffer, Buffer>(
        `/${GRPC_SERVICES[signal]}/Export`,
        identity,
        identity,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + REQUEST_TIMEOUT_MS },
        (err, response) => {
          if (err) {
            resolve(`grpc ${grpc.status[err.code] ?? err.code}`);
            return;
          }
          try {
            resolve(responseProblem(signal, response ?? Buffer.alloc(0)));
          } catch (e) {
            resolve(`grpc: undecodable response: ${(e as Error).message}`);
          }
        },
      );
    });
  }

  close(): void {
    this.agent.destroy();
    this.grpcClient.close();
  }
}

function emptyStats(): SignalStats {
  return {
    requests: 0,
    failed: 0,
    items: 0,
    byTransport: { http: 0, grpc: 0 },
    latenciesMs: [],
    errors: new Map(),
  };
}

export interface LoadOptions {
  senders: Senders;
  /** One pool runs one signal; several are mixed, taken in turn. */
  pools: readonly Pool[];
  seconds: number;
  concurrency: number;
  /** Stop after this many requests even before `seconds` have passed (warm-up runs). */
  maxRequests?: number;
  /** Stop sending once aborted, even before `seconds` have passed. */
  stop?: AbortSignal;
  /** At most this many requests per second in all, evenly spaced; default: as fast as answered. */
  requestsPerSec?: number;
  /**
   * Give every send trace and span ids of its own (pools built with `idRanges`), so that
   * repeating a pool does not repeat ids.
   */
  freshIds?: boolean;
  /** Called about every `tickMs` while the load runs. */
  onTick?: (elapsedMs: number) => void;
  tickMs?: number;
}

/**
 * Runs `concurrency` clients until `seconds` have passed, then waits for the requests in
 * flight. The run's time ends when the last answer arrives.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const stats: Partial<Record<Signal, SignalStats>> = {};
  for (const p of opts.pools) stats[p.signal] = emptyStats();
  const cursors = opts.pools.map(() => 0);
  const maxRequests = Math.min(
    opts.maxRequests ?? Infinity,
    Math.ceil(opts.seconds * MAX_REQUESTS_PER_SECOND),
  );
  let sent = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const ticker = opts.onTick
    ? setInterval(() => opts.onTick?.(performance.now() - started), opts.tickMs ?? 10_000)
    : undefined;

  const client = async () => {
    while (performance.now() < deadline && sent < maxRequests && !opts.stop?.aborted) {
      const seq = sent++;
      if (opts.requestsPerSec !== undefined) {
        const wait = started + (seq / opts.requestsPerSec) * 1000 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (opts.stop?.aborted) break;
      }
      const which = seq % opts.pools.length;
      const pool = opts.pools[which]!;
      const req = pool.requests[cursors[which]!++ % pool.requests.length]!;
      // Alternate per request of a signal, so each signal is split evenly between transports.
      const transport: Transport = Math.floor(seq / opts.pools.length) % 2 === 0 ? 'http' : 'grpc';
      const s = stats[pool.signal]!;
      const t0 = performance.now();
      const body = opts.freshIds === true ? withFreshIds(req, randomBytes(16)) : req.body;
      const problem = await opts.senders.send(transport, pool.signal, body);
      s.latenciesMs.push(performance.now() - t0);
      s.requests++;
      s.byTransport[transport]++;
      if (problem === null) {
        s.items += req.items;
      } else {
        s.failed++;
        s.errors.set(problem, (s.errors.get(problem) ?? 0) + 1);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, client));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  return { seconds: (performance.now() - started) / 1000, stats };
}

/** The p-th percentile (0–100) by nearest rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
