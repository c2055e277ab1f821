/**
 * The query benchmark's figures: the JSON summary printed as the last stdout line, and the
 * dated line added to the "Query benchmark" table of bench/RESULTS.md for each run.
 */
import { cpus, totalmem } from 'node:os';
import type { CaseDef, CaseResult } from './query-cases.js';
import { addTableRow, commit } from './results.js';

/** The JSON line; the keys are its contract. */
export interface QuerySummary {
  cases: Record<string, CaseResult>;
  loaded: { spans: number; logs: number; points: number };
  loadSeconds: number | null;
  peakRssBytes: number;
  /** Cases not run, and why. */
  skipped: string[];
  /** With --ingest-clients: the OTLP load that ran while the cases were timed. */
  ingest: {
    clients: number;
    itemsPerSec: number;
    bySignal: Record<string, number>;
    failed: number;
  } | null;
}

export interface QueryRunInfo {
  date: Date;
  iterations: number;
  /** True when the data directory was loaded by an earlier run (--data-dir). */
  reused: boolean;
}

const HEADER_START = '| date | data | load |';

const GROUPS = [
  'services',
  'service metrics',
  'service map',
  'log histogram',
  'logs',
  'log search',
  'trace search',
  'trace by id',
  'gauge avg',
  'counter rate',
  'histogram p95',
  'exp histogram p95',
  'summary rate',
  'summary p95',
];

/** The table's header and separator lines. */
function tableHeader(): string {
  const titles = ['date', 'data', 'load', 'n', ...GROUPS, 'met', 'peak RSS', 'machine', 'commit'];
  const numeric = new Set(['load', 'n', ...GROUPS, 'met', 'peak RSS']);
  const align = titles.map((t) => (numeric.has(t) ? '---:' : '---'));
  return `| ${titles.join(' | ')} |\n| ${align.join(' | ')} |\n`;
}

export const QUERY_SECTION = `## Query benchmark

\`npm run bench:query\` (bench/query.ts) adds one line per run. Each run loads spans, log
records and metric points spread over the last 24 hours into a fresh data directory (a few
thousand of each through the OTLP/HTTP receiver, the rest generated inside the engine with
\`INSERT ... SELECT FROM numbers_mt()\`: 30 services calling each other in traces, about 1.5%
error spans, long-tailed durations, logs with words to search, gauges, counters,
explicit-bucket and exponential histograms and summaries over 720 series), starts Gridscope on it and calls each read endpoint one call at
a time after a warm-up, over the last hour and the last day. Metric points are written
without their attribute bloom filters, which merges build later (they are most of the cost of
writing a point, and no timed query filters by attribute); spans and logs are written with
every index, as the receiver writes them.

Columns:

- **data**: spans / log records / metric points in the tables, millions.
- **load**: seconds to load them (bulk load, merges settling, receiver sample); - when reused.
- **n**: timed calls per case; \`(min K)\` when a case ran past its time budget after K calls;
  \`under ingest of N/s\` when OTLP clients sent N items/s meanwhile (\`--ingest-clients\`).
- One column per endpoint: **p95 latency in ms, last hour / last day**; \`✗\` marks a missed
  target, \`FAIL\` a case with answers other than 200, \`-\` a case not run (skipped).
  p50 and p99 are in the JSON line the run prints.
- **met**: targets met / cases with a target; **peak RSS**: the server's VmHWM, MiB.

Targets (p95): services, service metrics, log histogram and metric queries < 100 ms over
1 h and 24 h; a trace by id < 50 ms; log text search over 24 h < 500 ms. Service map,
plain log listing and trace search have none.

${tableHeader()}`;

function cell(r: CaseResult | undefined): string {
  if (!r) return '-';
  if (r.failed > 0) return 'FAIL';
  return `${Math.round(r.p95)}${r.met === false ? ' ✗' : ''}`;
}

/** The iterations asked for, and the fewest any case ran when a budget cut one short. */
function nCell(iterations: number, cases: readonly CaseResult[]): string {
  const fewest = Math.min(iterations, ...cases.map((c) => c.n));
  return fewest < iterations ? `${iterations} (min ${fewest})` : String(iterations);
}

/** The markdown table row of one run. */
export function queryResultsLine(
  s: QuerySummary,
  defs: readonly CaseDef[],
  run: QueryRunInfo,
  cwd: string,
): string {
  const millions = (n: number) => (n / 1e6).toFixed(n < 1e6 ? 2 : 1);
  const groups = GROUPS.map((g) => {
    const inGroup = defs.filter((d) => d.group === g);
    if (inGroup.length === 0) return '-';
    return inGroup.map((d) => cell(s.cases[d.name])).join(' / ');
  });
  const targeted = Object.values(s.cases).filter((c) => c.targetMs !== null);
  const machine = `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.versions.node}`;
  const row = [
    run.date.toISOString(),
    `${millions(s.loaded.spans)} / ${millions(s.loaded.logs)} / ${millions(s.loaded.points)}`,
    s.loadSeconds === null || run.reused ? '-' : `${Math.round(s.loadSeconds)} s`,
    nCell(run.iterations, Object.values(s.cases)) +
      (s.ingest ? `, under ingest of ${s.ingest.itemsPerSec.toLocaleString('en-US')}/s` : ''),
    ...groups,
    `${targeted.filter((c) => c.met).length}/${targeted.length}`,
    `${Math.round(s.peakRssBytes / 1048576)} MiB`,
    machine,
    commit(cwd),
  ];
  return `| ${row.join(' | ')} |\n`;
}

/**
 * Adds a run's line to the last query table, creating the section after the existing
 * content, or a new table below the last one when the columns have changed.
 */
export function recordQueryResults(path: string, line: string): void {
  addTableRow(path, HEADER_START, line, QUERY_SECTION, tableHeader());
}

/** A one-line description of a case's figures, for progress output. */
export function describe(name: string, r: CaseResult): string {
  const target =
    r.targetMs === null ? 'no target' : `target ${r.targetMs} ms: ${r.met ? 'met' : 'NOT met'}`;
  const failed = r.failed > 0 ? `, ${r.failed} FAILED: ${r.error ?? ''}` : '';
  return `${name.padEnd(28)} p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms (n=${r.n}, ${target}${failed})`;
}
