/**
 * The benchmark's figures: the JSON summary printed as the last stdout line, and the dated
 * line appended to bench/RESULTS.md for each run.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Per-signal figures; the keys and their order are the contract of the JSON line. */
export interface SignalSummary {
  itemsPerSec: number;
  rawEngineItemsPerSec: number;
  ratio: number;
  p99Ms: number;
}

export interface Summary {
  logs: SignalSummary;
  spans: SignalSummary;
  metrics: SignalSummary;
  peakRssBytes: number;
}

export interface SoakSummary {
  seconds: number;
  /** Mean RSS of the first and last third of the soak, in bytes. */
  firstThirdRss: number;
  lastThirdRss: number;
  maxRss: number;
  /**
   * Mean memory the engine tracked (its queries, inserts, merges and caches) in the first
   * and last third, from the server's /metrics every 10 s; NaN when it reported none.
   */
  firstThirdEngine: number;
  lastThirdEngine: number;
}

export interface RunInfo {
  durationSec: number;
  concurrency: number;
  itemsPerRequest: number;
  failedRequests: number;
  soak: SoakSummary | null;
}

const round = (n: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function signalSummary(
  itemsPerSec: number,
  rawPerSec: number,
  p99Ms: number,
): SignalSummary {
  return {
    itemsPerSec: round(itemsPerSec),
    rawEngineItemsPerSec: round(rawPerSec),
    ratio: rawPerSec > 0 ? round(itemsPerSec / rawPerSec, 3) : 0,
    p99Ms: round(p99Ms, 1),
  };
}

export const RESULTS_HEADER = `# Ingestion benchmark results

\`npm run bench\` (bench/ingest.ts) appends one line per run. Each run generates realistic
OTLP requests (1,000 items each by default: log records with 10 attributes, spans with 15
attributes and one event, a mix of gauge, monotonic sum and explicit-bucket histogram
points over 30 services), then:

1. **raw engine**: in a child process, the same requests are converted to rows with
   Gridscope's converters before timing, and only \`client.insert\` calls into the embedded
   engine are timed (after one untimed insert per table), one at a time, in batches shaped
   like the server's (whole requests, up to its --batch-max-rows and --batch-max-bytes).
2. **end to end**: Gridscope runs in another child process; 8 concurrent clients send the
   requests, half over OTLP/HTTP (protobuf) and half over OTLP/gRPC, for the run's duration
   per signal (logs, then spans, then metrics), each after an untimed warm-up of two
   requests per client. Only items of fully successful responses count.

Columns:

- **date**: start of the run (UTC, ISO 8601).
- **run**: seconds per signal, concurrent clients, items per request.
- **X/s**: end-to-end items per second (log records, spans, metric data points).
- **raw X/s**: rows per second inserted straight into the engine (metrics: all metric tables).
- **ratio**: end-to-end / raw.
- **p99 ms**: 99th-percentile request latency of that signal's end-to-end requests.
- **peak RSS**: the server process's VmHWM (the embedded engine included), MiB.
- **soak**: with \`--soak S\`, mean RSS of the first and last third of S seconds of mixed load, MiB,
  and in brackets the same of the memory the engine itself tracks (\`gridscope_store_memory_tracked_bytes\`).
- **failed**: requests not answered with a full success (must be 0).
- **machine**: cores and memory as the OS reports them; **commit**: \`git describe\` of the tree.

Targets: end-to-end ≥ 0.8 × raw engine for each signal; ≥ 70,000 log records/s,
≥ 50,000 spans/s and ≥ 120,000 metric points/s; peak RSS < 2 GiB and flat over a
5-minute run (\`npm run bench -- --soak 300\`).

| date | run | logs/s | raw logs/s | ratio | p99 ms | spans/s | raw spans/s | ratio | p99 ms | points/s | raw points/s | ratio | p99 ms | peak RSS | soak | failed | machine | commit |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |
`;

/** `git describe --always --dirty` of the tree, or - outside a repository. */
export function commit(cwd: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '-';
  }
}

const mib = (bytes: number) => String(Math.round(bytes / 1048576));

/** The markdown table row of one run. */
export function resultsLine(date: Date, summary: Summary, run: RunInfo, cwd: string): string {
  const cells = (s: SignalSummary) => [
    String(s.itemsPerSec),
    String(s.rawEngineItemsPerSec),
    s.ratio.toFixed(2),
    s.p99Ms.toFixed(0),
  ];
  const soak = run.soak
    ? `${run.soak.seconds} s: ${mib(run.soak.firstThirdRss)} → ${mib(run.soak.lastThirdRss)} MiB` +
      (Number.isNaN(run.soak.firstThirdEngine)
        ? ''
        : ` (engine ${mib(run.soak.firstThirdEngine)} → ${mib(run.soak.lastThirdEngine)})`)
    : '-';
  const machine = `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.versions.node}`;
  const row = [
    date.toISOString(),
    `${run.durationSec} s, c=${run.concurrency}, ${run.itemsPerRequest}/req`,
    ...cells(summary.logs),
    ...cells(summary.spans),
    ...cells(summary.metrics),
    `${mib(summary.peakRssBytes)} MiB`,
    soak,
    String(run.failedRequests),
    machine,
    commit(cwd),
  ];
  return `| ${row.join(' | ')} |\n`;
}

/**
 * Adds `row` (one line, ending in a newline) as the last row of the last markdown table whose
 * header line starts with `headerStart`, wherever that table is in the file. When the file
 * has no such table, `section` (ending with the table's header and separator lines) is
 * appended to the file first. When `header` (header and separator lines) is given and differs
 * from that table's, the row starts a new table with it, right below.
 */
export function addTableRow(
  path: string,
  headerStart: string,
  row: string,
  section: string,
  header?: string,
): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const lines = text.split('\n');
  let at = lines.findLastIndex((l) => l.startsWith(headerStart));
  if (at < 0) {
    const sep = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    appendFileSync(path, sep + section + row);
    return;
  }
  const columnsChanged = header !== undefined && lines[at] !== header.split('\n')[0];
  while (at + 1 < lines.length && lines[at + 1]!.startsWith('|')) at++;
  const added = (columnsChanged ? `\n${header}` : '') + row;
  lines.splice(at + 1, 0, added.replace(/\n$/, ''));
  writeFileSync(path, lines.join('\n'));
}

/**
 * Adds a run's line to the ingestion table of the results file (which other tables may
 * follow), creating the file with its header if needed.
 */
export function recordResults(path: string, line: string): void {
  if (!existsSync(path)) writeFileSync(path, RESULTS_HEADER);
  addTableRow(path, '| date | run | logs/s |', line, RESULTS_HEADER);
}
