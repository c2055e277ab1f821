/**
 * Gridscope's ingestion benchmark (`npm run bench -- --help`).
 *
 * Phases run one after another so they never compete for the two cores: requests are
 * generated first; then the raw-engine phase runs in a child process and exits; then
 * Gridscope starts in another child process and takes logs, spans and metrics in turn
 * (and, with --soak, a mixed load while its RSS is watched). Progress goes to stderr; the
 * last stdout line is the JSON summary; a dated line is appended to bench/RESULTS.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/config/index.js';
import type { Signal } from '../src/ingest/otlp/proto.js';
import { percentile, runLoad, Senders, type LoadResult } from './load.js';
import { buildPool, poolSize, type Pool } from './payloads.js';
import { writePool } from './pool-file.js';
import { runRawPhase } from './raw-phase.js';
import {
  engineSample,
  logPhase,
  mib,
  note,
  reportServerSide,
  soakSummary,
  type EngineSample,
} from './progress.js';
import {
  recordResults,
  resultsLine,
  signalSummary,
  type SoakSummary,
  type Summary,
} from './results.js';
import { procMemory, RssSampler, serverFlags, startServer, type ServerChild } from './server.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SIGNALS: readonly Signal[] = ['logs', 'traces', 'metrics'];
const HELP = `Usage: npm run bench -- [options]

  --duration S          seconds of end-to-end load per signal, and of raw inserts per signal (default 20)
  --soak S              after the per-signal phases, S seconds of mixed load with RSS every 10 s (default off)
  --concurrency N       requests in flight (default 8)
  --items-per-request N log records, spans or data points per request (default 1000)
  --pool-requests N     distinct pre-encoded requests per signal (default 64)
  --raw-duration S      seconds of raw inserts per signal (default: --duration)
  --raw-sessions N      engine sessions inserting at once in the raw phase (default 1)
  --server-arg K=V      extra flag for gridscope serve, e.g. batch-max-delay-ms=50 (repeatable)
  --server-node-arg=A   extra flag for the server's node, e.g. --server-node-arg=--cpu-prof
                        (repeatable; Node refuses --cpu-prof in NODE_OPTIONS)
  --seed N              seed of the generated values (default 1)
  --no-record           do not append to bench/RESULTS.md
`;

interface Options {
  duration: number;
  soak: number;
  concurrency: number;
  itemsPerRequest: number;
  poolRequests: number;
  rawDuration: number;
  rawSessions: number;
  serverArgs: string[];
  /** The server's batch limits under serverArgs and the environment. */
  batchRows: number;
  batchBytes: number;
  serverNodeArgs: string[];
  seed: number;
  record: boolean;
}

/** A bad command line: reported with the help text, without a stack. */
class UsageError extends Error {}

function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function parseOptions(argv: string[]): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        soak: { type: 'string' },
        concurrency: { type: 'string' },
        'items-per-request': { type: 'string' },
        'pool-requests': { type: 'string' },
        'raw-duration': { type: 'string' },
        'raw-sessions': { type: 'string' },
        'server-arg': { type: 'string', multiple: true },
        'server-node-arg': { type: 'string', multiple: true },
        seed: { type: 'string' },
        'no-record': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = parsed.values;
  if (values.help) return null;
  const duration = intOption(values, 'duration', 20, 1, 3600);
  // The raw phase batches as the server will, under the same flags and environment.
  let serverArgs: string[];
  let server: Config;
  try {
    const given = serverFlags(values['server-arg'] ?? []);
    serverArgs = given.args;
    server = loadConfig(given.flags);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    duration,
    soak: intOption(values, 'soak', 0, 0, 6 * 3600),
    concurrency: intOption(values, 'concurrency', 8, 1, 256),
    itemsPerRequest: intOption(values, 'items-per-request', 1000, 1, 100_000),
    poolRequests: intOption(values, 'pool-requests', 64, 1, 10_000),
    rawDuration: intOption(values, 'raw-duration', duration, 1, 3600),
    rawSessions: intOption(values, 'raw-sessions', 1, 1, 16),
    serverArgs,
    batchRows: server.batchMaxRows,
    batchBytes: server.batchMaxBytes,
    serverNodeArgs: values['server-node-arg'] ?? [],
    seed: intOption(values, 'seed', 1, 0, 2 ** 31),
    record: values['no-record'] !== true,
  };
}

const live = new Set<ChildProcess>();

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) {
    console.error(HELP);
    return 0;
  }
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), 'gridscope-bench-'));
  const poolDir = join(work, 'pools');
  mkdirSync(poolDir);
  let server: ServerChild | undefined;
  let sampler: RssSampler | undefined;
  let senders: Senders | undefined;
  const interrupted = () => {
    for (const c of live) c.kill('SIGKILL');
    server?.kill();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    note(
      `generating ${opts.poolRequests} requests of ${opts.itemsPerRequest} items per signal (seed ${opts.seed})`,
    );
    const pools = new Map<Signal, Pool>();
    const nowMs = Date.now();
    for (const signal of SIGNALS) {
      const pool = buildPool(signal, {
        itemsPerRequest: opts.itemsPerRequest,
        requests: opts.poolRequests,
        seed: opts.seed,
        nowMs,
      });
      pools.set(signal, pool);
      writePool(poolDir, pool);
      const size = poolSize(pool);
      note(
        `  ${signal}: ${size.items} items, ${mib(size.bytes)} encoded, ${Math.round(size.bytes / pool.requests.length / 1024)} KiB per request`,
      );
    }

    note(
      `raw engine phase: ${opts.rawDuration} s per signal, ${opts.rawSessions} session(s), batches up to ${opts.batchRows} rows or ${mib(opts.batchBytes)}`,
    );
    const rawDir = join(work, 'raw-engine');
    const raw = await runRawPhase({
      root: ROOT,
      poolDir,
      dataDir: rawDir,
      seconds: opts.rawDuration,
      sessions: opts.rawSessions,
      batchRows: opts.batchRows,
      batchBytes: opts.batchBytes,
      onSpawn: (c) => live.add(c),
    });
    rmSync(rawDir, { recursive: true, force: true });

    note('end-to-end phase: starting gridscope');
    server = await startServer(ROOT, join(work, 'server'), opts.serverArgs, (c) => live.add(c), {
      nodeArgs: opts.serverNodeArgs,
    });
    sampler = new RssSampler(server.pid, 500);
    note(`  ready (pid ${server.pid}), RSS ${mib(sampler.latest())}`);
    senders = new Senders(server.ports, opts.concurrency);
    const perSignal = new Map<Signal, LoadResult>();
    let failed = 0;
    for (const signal of SIGNALS) {
      note(`${signal}: ${opts.duration} s, ${opts.concurrency} in flight`);
      const pool = pools.get(signal)!;
      // Untimed warm-up: two requests per client, so the timed run starts on warm paths.
      const warm = await runLoad({
        senders,
        pools: [pool],
        seconds: 60,
        maxRequests: 2 * opts.concurrency,
        concurrency: opts.concurrency,
      });
      failed += warm.stats[signal]!.failed;
      for (const [reason, n] of warm.stats[signal]!.errors)
        note(`  FAILED ${n}× ${signal} warm-up: ${reason}`);
      const before = await server.metrics();
      const result = await runLoad({
        senders,
        pools: [pool],
        seconds: opts.duration,
        concurrency: opts.concurrency,
      });
      const after = await server.metrics();
      perSignal.set(signal, result);
      failed += result.stats[signal]!.failed;
      logPhase(signal, result, sampler.latest());
      reportServerSide(signal, before, after, result.seconds, result.stats[signal]!.items);
    }

    let soak: SoakSummary | null = null;
    if (opts.soak > 0) {
      note(`soak: ${opts.soak} s of mixed load`);
      const fromMs = sampler.samples.at(-1)?.atMs ?? 0;
      const s = sampler;
      const child = server;
      const engine: EngineSample[] = [];
      const result = await runLoad({
        senders,
        pools: SIGNALS.map((x) => pools.get(x)!),
        seconds: opts.soak,
        concurrency: opts.concurrency,
        tickMs: 10_000,
        onTick: (ms) =>
          void child
            .metrics()
            .then(engineSample, () => ({ tracked: NaN, caches: NaN }))
            .then((e) => {
              engine.push(e);
              note(
                `  soak ${(ms / 1000).toFixed(0)} s: RSS ${mib(s.latest())}, engine tracked ${mib(e.tracked)}, caches ${mib(e.caches)}`,
              );
            }),
      });
      for (const signal of SIGNALS) {
        failed += result.stats[signal]!.failed;
        logPhase(signal, result, sampler.latest());
      }
      soak = soakSummary(sampler, fromMs, opts.soak, engine);
      note(
        `  soak RSS: first third ${mib(soak.firstThirdRss)}, last third ${mib(soak.lastThirdRss)}, max ${mib(soak.maxRss)}; ` +
          `engine tracked: first third ${mib(soak.firstThirdEngine)}, last third ${mib(soak.lastThirdEngine)}`,
      );
    }

    const hwm = Math.max(procMemory(server.pid)?.hwm ?? 0, sampler.maxRss());
    sampler.stop();
    senders.close();
    note('stopping gridscope (SIGTERM)');
    const code = await server.stop(60_000);
    if (code !== 0) note(`WARNING: gridscope exited with code ${code}`);

    const rates = (signal: Signal) => {
      const r = perSignal.get(signal)!;
      const s = r.stats[signal]!;
      return signalSummary(
        s.items / r.seconds,
        raw[signal].rowsPerSec,
        percentile(s.latenciesMs, 99),
      );
    };
    const summary: Summary = {
      logs: rates('logs'),
      spans: rates('traces'),
      metrics: rates('metrics'),
      peakRssBytes: hwm,
    };
    if (opts.record) {
      const line = resultsLine(
        startedAt,
        summary,
        {
          durationSec: opts.duration,
          concurrency: opts.concurrency,
          itemsPerRequest: opts.itemsPerRequest,
          failedRequests: failed,
          soak,
        },
        ROOT,
      );
      recordResults(join(ROOT, 'bench', 'RESULTS.md'), line);
      note('appended to bench/RESULTS.md');
    }
    if (failed > 0) note(`${failed} request(s) failed; see above`);
    process.stdout.write(JSON.stringify(summary) + '\n');
    return failed > 0 ? 1 : 0;
  } finally {
    sampler?.stop();
    senders?.close();
    server?.kill();
    for (const c of live) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    console.error('bench failed:', err);
    process.exit(1);
  },
);
