/**
 * The benchmark's progress lines on stderr, including what the server's own /metrics say
 * about each phase (batch sizes, insert time), which shows where the time goes.
 */
import type { Signal } from '../src/ingest/otlp/proto.js';
import { percentile, type LoadResult } from './load.js';
import type { SoakSummary } from './results.js';
import { seriesSum, type RssSampler } from './server.js';

/** The tables each signal writes. */
const TABLES: Record<Signal, readonly string[]> = {
  logs: ['otel_logs'],
  traces: ['otel_traces'],
  metrics: ['otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram'],
};

const benchStart = performance.now();
/** One progress line, stamped with seconds since the benchmark started. */
export function note(message: string): void {
  console.error(
    `[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${message}`,
  );
}

/** Bytes as whole MiB, for progress lines. */
export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** Logs what the server reports about a phase, from the difference of two /metrics scrapes. */
export function reportServerSide(
  signal: Signal,
  before: string,
  after: string,
  seconds: number,
  acked: number,
): void {
  const delta = (name: string, labels: Record<string, string>) =>
    seriesSum(after, name, labels) - seriesSum(before, name, labels);
  const accepted = delta('gridscope_otlp_items_accepted_total', { signal });
  for (const table of TABLES[signal]) {
    const inserts = delta('gridscope_store_batch_rows_count', { table });
    const rows = delta('gridscope_store_batch_rows_sum', { table });
    const busy = delta('gridscope_store_insert_duration_seconds_sum', { table });
    note(
      `  server ${table}: ${inserts} inserts, ${Math.round(rows / Math.max(1, inserts))} rows avg, ` +
        `${((busy / Math.max(1, inserts)) * 1000).toFixed(0)} ms avg, insert busy ${((busy / seconds) * 100).toFixed(0)}% of the phase`,
    );
  }
  if (accepted < acked)
    note(
      `  WARNING: server counted ${accepted} accepted ${signal} items, fewer than the ${acked} acknowledged`,
    );
}

/** One line of end-to-end figures for a signal. */
export function logPhase(signal: Signal, result: LoadResult, rssBytes: number): void {
  const s = result.stats[signal]!;
  note(
    `  ${signal}: ${Math.round(s.items / result.seconds)} items/s, ${s.requests} requests ` +
      `(http ${s.byTransport.http}, grpc ${s.byTransport.grpc}), p50 ${percentile(s.latenciesMs, 50).toFixed(0)} ms, ` +
      `p99 ${percentile(s.latenciesMs, 99).toFixed(0)} ms, failed ${s.failed}, server RSS ${mib(rssBytes)}`,
  );
  for (const [reason, n] of s.errors) note(`  FAILED ${n}× ${signal}: ${reason}`);
}

/** The engine's memory figures of one /metrics scrape, in bytes. */
export interface EngineSample {
  tracked: number;
  caches: number;
}

/** The engine's figures in a /metrics text (NaN where missing). */
export function engineSample(metrics: string): EngineSample {
  const gauge = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  return {
    tracked: gauge('gridscope_store_memory_tracked_bytes'),
    caches: gauge('gridscope_store_cache_bytes'),
  };
}

/**
 * RSS over the soak: means of its first and last thirds, and the highest sample; and the
 * means of the engine's tracked memory in the first and last third of `engine`.
 */
export function soakSummary(
  sampler: RssSampler,
  fromMs: number,
  seconds: number,
  engine: readonly EngineSample[],
): SoakSummary {
  const samples = sampler.samples.filter((s) => s.atMs >= fromMs);
  const thirds = <T>(xs: readonly T[], value: (x: T) => number) => {
    const third = Math.max(1, Math.floor(xs.length / 3));
    const mean = (part: readonly T[]) =>
      part.length === 0 ? NaN : part.reduce((n, x) => n + value(x), 0) / part.length;
    return [mean(xs.slice(0, third)), mean(xs.slice(-third))] as const;
  };
  const [firstThirdRss, lastThirdRss] = thirds(samples, (s) => s.rssBytes);
  const tracked = engine.filter((e) => !Number.isNaN(e.tracked));
  const [firstThirdEngine, lastThirdEngine] = thirds(tracked, (e) => e.tracked);
  return {
    seconds,
    firstThirdRss: firstThirdRss || 0,
    lastThirdRss: lastThirdRss || 0,
    maxRss: samples.reduce((m, s) => Math.max(m, s.rssBytes), 0),
    firstThirdEngine,
    lastThirdEngine,
  };
}
