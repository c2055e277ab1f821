import { REQUEST_TYPES } from '../ingest/otlp/proto.js';
import { packageVersion } from '../lib/paths.js';
import type { Exposition, MetricFamily, Sample } from './prometheus-parse.js';
import { seriesKey, type SeriesStarts } from './series-starts.js';
import { otelUnit } from './units.js';

/** The instrumentation scope of every scraped metric. */
export const SCOPE_NAME = 'gridscope.collector';

/** OTLP's AGGREGATION_TEMPORALITY_CUMULATIVE. */
const CUMULATIVE = 2;

/** Who was scraped: the resource of the scraped metrics and the labels added to each point. */
export interface ScrapeTarget {
  collectorId: string;
  /** `service.name`. */
  serviceName: string;
  /** `service.instance.id`: the target's host:port. */
  instance: string;
  /** Added to every point's attributes; a scraped label of the same name becomes `exported_<name>`. */
  labels: Readonly<Record<string, string>>;
}

/** An encoded ExportMetricsServiceRequest and the number of data points in it. */
export interface ScrapeRequest {
  request: Uint8Array;
  points: number;
}

/** A scrape that cannot be converted, e.g. a histogram bucket without a numeric `le`. */
export class ConversionError extends Error {
  override name = 'ConversionError';
}

interface KeyValue {
  key: string;
  value: { stringValue: string };
}

interface Metric {
  name: string;
  description: string;
  unit: string;
  gauge?: { dataPoints: object[] };
  sum?: { dataPoints: object[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: object[]; aggregationTemporality: number };
  summary?: { dataPoints: object[] };
}

let version: string | undefined;

/** The host:port of a URL, with the scheme's default port when it names none. */
export function instanceOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** The largest value of OTLP's fixed64 times. */
const MAX_NANOS = 2n ** 64n - 1n;

/**
 * Nanoseconds of a time in milliseconds. One past what 64 bits hold is given as their
 * largest value, which the receiver refuses as out of range (the scrape says so), rather
 * than wrapping round to another date.
 */
function nanos(ms: number): string {
  const ns = BigInt(Math.max(0, Math.trunc(ms))) * 1_000_000n;
  return (ns > MAX_NANOS ? MAX_NANOS : ns).toString();
}

const kv = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

/**
 * A point's attributes, sorted by name so that a series always has the same map: the
 * scraped labels and the collector's (`extra`, an empty one being no label). A scraped
 * label that a collector label takes the name of is kept as exported_<name>, prefixed
 * again while that name is taken, shorter names placed first, as Prometheus resolves them.
 */
function attributes(
  labels: Record<string, string>,
  omit: string | undefined,
  extra: Readonly<Record<string, string>>,
): KeyValue[] {
  const out = new Map<string, string>();
  const clashing: [string, string][] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k === omit) continue;
    if (Object.hasOwn(extra, k) && extra[k] !== '') clashing.push([k, v]);
    else out.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== '') out.set(k, v);
  clashing.sort(([a], [b]) => a.length - b.length);
  for (const [k, v] of clashing) {
    let name = `exported_${k}`;
    while (out.has(name)) name = `exported_${name}`;
    out.set(name, v);
  }
  return [...out.entries()].sort(byName).map(([k, v]) => kv(k, v));
}

/**
 * The metric a target describes itself with (OpenMetrics' `target` info, or the
 * `target_info` gauge of the Prometheus text format): its labels become resource
 * attributes of every metric of the scrape, and it is no metric itself.
 */
const TARGET_INFO = 'target_info';

/** Samples of a family grouped into series by their labels without `omit` (le, quantile). */
function series(samples: readonly Sample[], omit: string | undefined): Map<string, Sample[]> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== omit)
      .sort(byName);
    const key = JSON.stringify(labels);
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  return groups;
}

/** Turns one scrape into OTLP metrics and tracks where it is in each cumulative series. */
class Converter {
  readonly metrics: Metric[] = [];
  /** Resource attributes the target describes itself with (its `target_info` labels). */
  readonly resource = new Map<string, string>();
  points = 0;

  constructor(
    private readonly target: ScrapeTarget,
    private readonly scrapeMs: number,
    private readonly starts: SeriesStarts,
    private readonly oldestMs: number,
  ) {}

  /**
   * Whether a point goes in. A point with its own timestamp is stored once: served again
   * with that time (or an older one), as an exporter does until it has a newer value, it is
   * left out, as Prometheus leaves out a sample no newer than its series' last, and so is one
   * older than `oldestMs`, out of bounds; its cumulative series (`startKey`) stays where it
   * was rather than being forgotten.
   */
  private takes(freshKey: string, timestampMs: number | undefined, startKey?: string): boolean {
    if (timestampMs === undefined) return true;
    if (timestampMs >= this.oldestMs && this.starts.fresh(freshKey, timestampMs)) return true;
    if (startKey !== undefined) this.starts.keep(startKey);
    return false;
  }

  private metric(f: MetricFamily, name: string): Metric {
    return { name, description: f.help, unit: otelUnit(f.unit) };
  }

  /** The start of a cumulative point: the `_created` sample's time, or as the series goes. */
  private startOf(
    key: string,
    timeMs: number,
    value: number,
    createdSec: number | undefined,
  ): string {
    const started = this.starts.start(key, timeMs, value);
    return nanos(
      createdSec !== undefined && createdSec * 1000 <= timeMs ? createdSec * 1000 : started,
    );
  }

  add(family: MetricFamily): void {
    const f = { ...family, samples: firstOfEach(family.samples) };
    if (f.samples.length > 0 && f.samples.every((s) => s.name === TARGET_INFO)) {
      // The target's own description: its labels are the resource's, not a metric's.
      for (const s of f.samples) {
        for (const [k, v] of Object.entries(s.labels)) {
          if (k !== 'job' && k !== 'instance') this.resource.set(k, v);
        }
      }
      return;
    }
    switch (f.type) {
      case 'counter':
        return this.counter(f);
      case 'histogram':
        return this.histogram(f);
      case 'summary':
        return this.summary(f);
      case 'info':
      case 'stateset':
        // Counts to be summed when labels are aggregated away (an info's 1, a state's 0 or
        // 1): non-monotonic sums, as OpenTelemetry's Prometheus compatibility has them.
        return this.samples(f, true);
      case 'gaugehistogram':
        // Left out, as OpenTelemetry's Prometheus compatibility drops them.
        return;
      default:
        // gauge, untyped and unknown, sample by sample.
        return this.samples(f, false);
    }
  }

  /** Each sample a point of its own: of a gauge, or of a non-monotonic cumulative sum. */
  private samples(f: MetricFamily, asSum: boolean): void {
    const byName = new Map<string, object[]>();
    for (const s of f.samples) {
      const attrs = attributes(s.labels, undefined, this.target.labels);
      const key = asSum ? startKey(s.name, attrs) : undefined;
      if (!this.takes(sampleKey(s), s.timestampMs, key)) continue;
      let points = byName.get(s.name);
      if (!points) {
        points = [];
        byName.set(s.name, points);
        this.metrics.push({
          ...this.metric(f, s.name),
          ...(asSum
            ? {
                sum: { dataPoints: points, aggregationTemporality: CUMULATIVE, isMonotonic: false },
              }
            : { gauge: { dataPoints: points } }),
        });
      }
      const time = s.timestampMs ?? this.scrapeMs;
      points.push({
        attributes: attrs,
        // A value going down is no reset here: the start is when the series was first seen.
        ...(key === undefined ? {} : { startTimeUnixNano: this.startOf(key, time, 0, undefined) }),
        timeUnixNano: nanos(time),
        asDouble: s.value,
      });
      this.points++;
    }
  }

  private counter(f: MetricFamily): void {
    const createdName = `${f.name}_created`;
    const created = new Map<string, number>();
    for (const s of f.samples) {
      if (s.name === createdName) created.set(JSON.stringify(sortedLabels(s.labels)), s.value);
    }
    const byName = new Map<string, Metric & { sum: { dataPoints: object[] } }>();
    for (const s of f.samples) {
      if (s.name === createdName) continue;
      const attrs = attributes(s.labels, undefined, this.target.labels);
      const key = startKey(s.name, attrs);
      if (!this.takes(sampleKey(s), s.timestampMs, key)) continue;
      let m = byName.get(s.name);
      if (!m) {
        m = {
          ...this.metric(f, s.name),
          sum: { dataPoints: [], aggregationTemporality: CUMULATIVE, isMonotonic: true },
        };
        byName.set(s.name, m);
        this.metrics.push(m);
      }
      const time = s.timestampMs ?? this.scrapeMs;
      const createdSec = created.get(JSON.stringify(sortedLabels(s.labels)));
      m.sum.dataPoints.push({
        attributes: attrs,
        startTimeUnixNano: this.startOf(key, time, s.value, createdSec),
        timeUnixNano: nanos(time),
        asDouble: s.value,
      });
      this.points++;
    }
  }

  private histogram(f: MetricFamily): void {
    const m: Metric = {
      ...this.metric(f, f.name),
      histogram: { dataPoints: [], aggregationTemporality: CUMULATIVE },
    };
    for (const group of series(f.samples, 'le').values()) {
      const first = group[0]!;
      const attrs = attributes(first.labels, 'le', this.target.labels);
      const key = startKey(f.name, attrs);
      const own = pointTimestamp(group);
      if (!this.takes(pointKey(f.name, first, 'le'), own, key)) continue;
      const buckets: { le: number; count: number }[] = [];
      let sum: number | undefined;
      let count: number | undefined;
      let createdSec: number | undefined;
      for (const s of group) {
        const suffix = s.name.slice(f.name.length);
        if (suffix === '_bucket') {
          const le = s.labels.le === undefined ? NaN : Number(parseLe(s.labels.le));
          if (Number.isNaN(le)) {
            throw new ConversionError(`histogram ${f.name}: a bucket without a numeric le label`);
          }
          buckets.push({ le, count: s.value });
        } else if (suffix === '_sum') sum = s.value;
        else if (suffix === '_count') count = s.value;
        else if (suffix === '_created') createdSec = s.value;
      }
      if (count === undefined) {
        // Without its count a histogram is left out, as OpenTelemetry's Prometheus
        // compatibility has it; its series stays where it was.
        this.starts.keep(key);
        continue;
      }
      buckets.sort((a, b) => a.le - b.le);
      const finite = buckets.filter((b) => b.le !== Infinity);
      const inf = buckets.find((b) => b.le === Infinity)?.count;
      const total = inf ?? count ?? finite.at(-1)?.count ?? 0;
      // OTLP counts each bucket on its own; the exposition counts cumulatively.
      let below = 0;
      const bucketCounts: number[] = [];
      for (const b of finite) {
        bucketCounts.push(whole(b.count - below));
        below = Math.max(below, b.count);
      }
      bucketCounts.push(whole(total - below));
      const time = own ?? this.scrapeMs;
      const pointCount = whole(count ?? total);
      m.histogram!.dataPoints.push({
        attributes: attrs,
        startTimeUnixNano: this.startOf(key, time, pointCount, createdSec),
        timeUnixNano: nanos(time),
        count: String(pointCount),
        ...(sum === undefined ? {} : { sum }),
        bucketCounts: bucketCounts.map(String),
        explicitBounds: finite.map((b) => b.le),
      });
      this.points++;
    }
    if (m.histogram!.dataPoints.length > 0) this.metrics.push(m);
  }

  private summary(f: MetricFamily): void {
    const m: Metric = { ...this.metric(f, f.name), summary: { dataPoints: [] } };
    for (const group of series(f.samples, 'quantile').values()) {
      const first = group[0]!;
      const attrs = attributes(first.labels, 'quantile', this.target.labels);
      const key = startKey(f.name, attrs);
      const own = pointTimestamp(group);
      if (!this.takes(pointKey(f.name, first, 'quantile'), own, key)) continue;
      const quantiles: { quantile: number; value: number }[] = [];
      let sum = 0;
      let count: number | undefined;
      let createdSec: number | undefined;
      for (const s of group) {
        const suffix = s.name.slice(f.name.length);
        if (suffix === '' && s.labels.quantile !== undefined) {
          const q = Number(parseLe(s.labels.quantile));
          if (Number.isNaN(q))
            throw new ConversionError(`summary ${f.name}: a non-numeric quantile`);
          quantiles.push({ quantile: q, value: s.value });
        } else if (suffix === '_sum') sum = s.value;
        else if (suffix === '_count') count = s.value;
        else if (suffix === '_created') createdSec = s.value;
      }
      if (count === undefined) {
        // As a histogram without its count.
        this.starts.keep(key);
        continue;
      }
      quantiles.sort((a, b) => a.quantile - b.quantile);
      const time = own ?? this.scrapeMs;
      m.summary!.dataPoints.push({
        attributes: attrs,
        startTimeUnixNano: this.startOf(key, time, count, createdSec),
        timeUnixNano: nanos(time),
        count: String(whole(count)),
        sum,
        quantileValues: quantiles,
      });
      this.points++;
    }
    if (m.summary!.dataPoints.length > 0) this.metrics.push(m);
  }
}

/**
 * The samples without repeats: a sample whose name and labels an earlier one of the
 * exposition had (`le` and `quantile` compared as numbers, so `le="1"` repeats `le="1.0"`)
 * is left out, as Prometheus leaves out a duplicate sample; two values of one series at one
 * time would otherwise be stored as two points.
 */
function firstOfEach(samples: readonly Sample[]): Sample[] {
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const s of samples) {
    const labels = sortedLabels(s.labels).map(([k, v]) =>
      k === 'le' || k === 'quantile' ? [k, String(parseLe(v))] : [k, v],
    );
    const key = JSON.stringify([s.name, s.timestampMs ?? null, labels]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

/** A cumulative series' key in SeriesStarts: its metric name and its point's attributes. */
function startKey(name: string, attrs: readonly KeyValue[]): string {
  return seriesKey(
    name,
    attrs.map((a) => [a.key, a.value.stringValue] as const),
  );
}

/** Whose timestamps SeriesStarts compares for a sample stored as a point of its own. */
function sampleKey(s: Sample): string {
  return JSON.stringify([s.name, sortedLabels(s.labels)]);
}

/** The same for a histogram's or summary's point: its family and labels, less `omit`. */
function pointKey(family: string, first: Sample, omit: string): string {
  return JSON.stringify([family, sortedLabels(first.labels).filter(([k]) => k !== omit)]);
}

/**
 * A histogram's or summary's own timestamp: the latest its samples carry (an exposition
 * gives them all one), or none. The point is stored or left out whole, never split.
 */
function pointTimestamp(group: readonly Sample[]): number | undefined {
  let ts: number | undefined;
  for (const s of group) {
    if (s.timestampMs !== undefined && (ts === undefined || s.timestampMs > ts)) ts = s.timestampMs;
  }
  return ts;
}

/** Orders [name, value] pairs by name, as code units compare. */
function byName([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(byName);
}

/** `le` and `quantile` values as numbers: `+Inf`, `0.5`, `1e-3`. */
function parseLe(text: string): number {
  const t = text.trim();
  if (/^\+?inf$/i.test(t)) return Infinity;
  if (/^-inf$/i.test(t)) return -Infinity;
  return t === '' ? NaN : Number(t);
}

/** A count as OTLP's unsigned integer: rounded, never negative. */
function whole(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

/**
 * Converts a scrape into an ExportMetricsServiceRequest: counters become monotonic
 * cumulative sums, gauges and untyped samples gauges, histograms explicit-bounds
 * histograms, summaries summaries. Points without a timestamp take `scrapeMs`; samples
 * whose own timestamp is before `oldestMs` are left out. The caller ends the scrape in
 * `starts`: commit() once the request is stored, rollback() if it is not (a scrape that
 * cannot be converted is rolled back here).
 */
export function toMetricsRequest(
  exposition: Exposition,
  target: ScrapeTarget,
  scrapeMs: number,
  starts: SeriesStarts,
  oldestMs = 0,
): ScrapeRequest {
  const c = new Converter(target, scrapeMs, starts, oldestMs);
  try {
    for (const f of exposition.families) c.add(f);
  } catch (err) {
    starts.rollback();
    throw err;
  }
  version ??= packageVersion();
  const request = REQUEST_TYPES.metrics.fromObject({
    resourceMetrics: [
      {
        resource: { attributes: resourceAttributes(target, c.resource) },
        scopeMetrics: [{ scope: { name: SCOPE_NAME, version }, metrics: c.metrics }],
      },
    ],
  });
  return { request: REQUEST_TYPES.metrics.encode(request).finish(), points: c.points };
}

/**
 * The scrape's resource: the service, the target's host:port and the collector, then what
 * the target says of itself (`target_info`), which cannot take the names of those three.
 */
function resourceAttributes(target: ScrapeTarget, own: ReadonlyMap<string, string>): KeyValue[] {
  const fixed = [
    kv('service.name', target.serviceName),
    kv('service.instance.id', target.instance),
    kv('gridscope.collector.id', target.collectorId),
  ];
  const taken = new Set(fixed.map((a) => a.key));
  const described = [...own]
    .filter(([k]) => !taken.has(k))
    .sort(byName)
    .map(([k, v]) => kv(k, v));
  return [...fixed, ...described];
}
