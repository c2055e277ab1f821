import { describe, expect, it } from 'vitest';
import {
  ConversionError,
  instanceOf,
  parseExposition,
  SeriesStarts,
  toMetricsRequest,
  type ExpositionFormat,
  type ScrapeTarget,
} from '../../../src/collectors/index.js';
import { metricsToRows } from '../../../src/ingest/otlp/metrics-rows.js';
import { REQUEST_TYPES } from '../../../src/ingest/otlp/proto.js';
import { readNative } from '../../native-block.js';

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const NS = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

const target: ScrapeTarget = {
  collectorId: 'col_0123456789abcdef',
  serviceName: 'node',
  instance: 'host.example:9100',
  labels: { env: 'prod', method: 'FROM-COLLECTOR' },
};

interface KV {
  key: string;
  value: { stringValue: string };
}
const attrs = (list: KV[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, a.value.stringValue]));

/** Converts a text and decodes the request back, with 64-bit integers as strings. */
function convert(
  text: string,
  format: ExpositionFormat = 'prometheus',
  starts = new SeriesStarts(),
  at = T0,
) {
  const r = toMetricsRequest(parseExposition(text, format), target, at, starts);
  // As the scheduler does once the request is stored.
  starts.commit();
  const decoded = REQUEST_TYPES.metrics.toObject(REQUEST_TYPES.metrics.decode(r.request), {
    longs: String,
    defaults: false,
  }) as any;
  const rm = decoded.resourceMetrics[0];
  const metrics = (rm.scopeMetrics[0].metrics ?? []) as any[];
  const metric = (name: string) => metrics.find((m) => m.name === name);
  return { r, rm, metrics, metric };
}

const HISTOGRAM = `# HELP http_request_duration_seconds Request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{path="/a",le="0.05"} 10
http_request_duration_seconds_bucket{path="/a",le="0.1"} 15
http_request_duration_seconds_bucket{path="/a",le="1"} 18
http_request_duration_seconds_bucket{path="/a",le="+Inf"} 20
http_request_duration_seconds_sum{path="/a"} 7.5
http_request_duration_seconds_count{path="/a"} 20
http_request_duration_seconds_bucket{path="/b",le="0.05"} 0
http_request_duration_seconds_bucket{path="/b",le="0.1"} 0
http_request_duration_seconds_bucket{path="/b",le="1"} 1
http_request_duration_seconds_bucket{path="/b",le="+Inf"} 1
http_request_duration_seconds_sum{path="/b"} 0.5
http_request_duration_seconds_count{path="/b"} 1
`;

describe('scrape to OTLP', () => {
  it('describes the target as the resource and the collector as the scope', () => {
    const { rm } = convert('up 1\n');
    expect(attrs(rm.resource.attributes)).toEqual({
      'service.name': 'node',
      'service.instance.id': 'host.example:9100',
      'gridscope.collector.id': 'col_0123456789abcdef',
    });
    expect(rm.scopeMetrics[0].scope.name).toBe('gridscope.collector');
  });

  it("takes target_info's labels as the resource's, and stores no target_info metric", () => {
    for (const [text, format] of [
      [
        '# TYPE target info\ntarget_info{env="prod",region="eu",job="x",service_name="s"} 1\nup 1\n# EOF\n',
        'openmetrics',
      ],
      [
        '# TYPE target_info gauge\ntarget_info{env="prod",region="eu",job="x",service_name="s"} 1\nup 1\n',
        'prometheus',
      ],
    ] as const) {
      const { rm, metrics } = convert(text, format);
      expect(metrics.map((m) => m.name)).toEqual(['up']);
      // job and instance name the service and the target already; ours are kept.
      expect(attrs(rm.resource.attributes)).toEqual({
        'service.name': 'node',
        'service.instance.id': 'host.example:9100',
        'gridscope.collector.id': 'col_0123456789abcdef',
        env: 'prod',
        region: 'eu',
        service_name: 's',
      });
    }
  });

  it('makes gauges and untyped samples gauges, at the scrape time unless they carry one', () => {
    const { metric, r } = convert(
      '# TYPE temp gauge\n# HELP temp Degrees.\ntemp{room="a"} 21.5\nloose 3 1764316800000\n',
    );
    expect(r.points).toBe(2);
    const temp = metric('temp');
    expect(temp.description).toBe('Degrees.');
    expect(temp.gauge.dataPoints).toEqual([
      {
        attributes: expect.any(Array),
        timeUnixNano: NS(T0),
        asDouble: 21.5,
      },
    ]);
    expect(attrs(temp.gauge.dataPoints[0].attributes)).toEqual({
      env: 'prod',
      method: 'FROM-COLLECTOR',
      room: 'a',
    });
    expect(metric('loose').gauge.dataPoints[0].timeUnixNano).toBe(NS(1764316800000));
  });

  it('adds the collector labels, renaming a scraped label they clash with to exported_<name>', () => {
    const { metric } = convert('m{method="GET",zone="z"} 1\n');
    const a = metric('m').gauge.dataPoints[0].attributes as KV[];
    expect(a.map((x) => x.key)).toEqual(['env', 'exported_method', 'method', 'zone']);
    expect(attrs(a)).toEqual({
      env: 'prod',
      exported_method: 'GET',
      method: 'FROM-COLLECTOR',
      zone: 'z',
    });
    // exported_method taken by a scraped label too: prefixed again, no series merged.
    const both = convert(
      'm{method="GET",exported_method="Y"} 1\nm{method="POST",exported_method="Y"} 2\n',
    );
    expect(both.metric('m').gauge.dataPoints.map((p: any) => attrs(p.attributes))).toEqual([
      {
        env: 'prod',
        method: 'FROM-COLLECTOR',
        exported_method: 'Y',
        exported_exported_method: 'GET',
      },
      {
        env: 'prod',
        method: 'FROM-COLLECTOR',
        exported_method: 'Y',
        exported_exported_method: 'POST',
      },
    ]);
  });

  it("places scraped labels clashing with the collector's on names still free, shorter first", () => {
    const both = { ...target, labels: { env: 'prod', exported_env: 'p2' } };
    const r = toMetricsRequest(
      parseExposition('coll{env="a",exported_env="b"} 1\n', 'prometheus'),
      both,
      T0,
      new SeriesStarts(),
    );
    const point = REQUEST_TYPES.metrics.decode(r.request).toJSON().resourceMetrics[0]
      .scopeMetrics[0].metrics[0].gauge.dataPoints[0];
    expect(attrs(point.attributes)).toEqual({
      env: 'prod',
      exported_env: 'p2',
      exported_exported_env: 'a',
      exported_exported_exported_env: 'b',
    });
  });

  it('takes a collector label with an empty value for no label, as Prometheus does', () => {
    const empty = { ...target, labels: { a: '', env: 'prod' } };
    const r = toMetricsRequest(
      parseExposition('u{a="1"} 1\n', 'prometheus'),
      empty,
      T0,
      new SeriesStarts(),
    );
    const point = REQUEST_TYPES.metrics.decode(r.request).toJSON().resourceMetrics[0]
      .scopeMetrics[0].metrics[0].gauge.dataPoints[0];
    expect(attrs(point.attributes)).toEqual({ a: '1', env: 'prod' });
  });

  it('takes an empty label value for no label, as Prometheus does', () => {
    const { metric } = convert('el{a=""} 1\nel 2\nel2{a="",b="x"} 3\n');
    expect(
      metric('el').gauge.dataPoints.map((p: any) => [attrs(p.attributes), p.asDouble]),
    ).toEqual([[{ env: 'prod', method: 'FROM-COLLECTOR' }, 1]]);
    expect(attrs(metric('el2').gauge.dataPoints[0].attributes)).toEqual({
      env: 'prod',
      method: 'FROM-COLLECTOR',
      b: 'x',
    });
  });

  it('stores a sample with its own timestamp once, not again on later scrapes', () => {
    const starts = new SeriesStarts();
    const at = T0 - 30_000;
    const text = `ts_g 5 ${at}\nts_g{a="1"} 6 ${at}\nplain 1\n`;
    const first = convert(text, 'prometheus', starts);
    expect(first.r.points).toBe(3);
    const again = convert(text, 'prometheus', starts, T0 + 15_000);
    expect(again.r.points).toBe(1);
    expect(again.metric('ts_g')).toBeUndefined();
    // A newer time is stored; an older one is not.
    const newer = convert(
      `ts_g 7 ${at + 10_000}\nts_g{a="1"} 6 ${at - 1}\n`,
      'prometheus',
      starts,
      T0 + 30_000,
    );
    expect(newer.metric('ts_g').gauge.dataPoints.map((p: any) => p.asDouble)).toEqual([7]);
  });

  it('keeps a counter served again with its timestamp where it was, so it still grows', () => {
    // An exporter serves a sample with its time until it has a new value; the repeats are
    // left out, but the series is still there and keeps its start.
    const starts = new SeriesStarts();
    const t1 = T0 - 60_000;
    const t2 = T0 - 30_000;
    const text = (v: number, t: number) => `# TYPE c counter\nc_total ${v} ${t}\n`;
    const first = convert(text(5, t1), 'prometheus', starts, T0);
    expect(first.metric('c_total').sum.dataPoints[0].startTimeUnixNano).toBe(NS(t1));
    expect(
      convert(text(5, t1), 'prometheus', starts, T0 + 15_000).metric('c_total'),
    ).toBeUndefined();
    const grown = convert(text(10, t2), 'prometheus', starts, T0 + 30_000).metric('c_total');
    expect(grown.sum.dataPoints[0]).toMatchObject({
      startTimeUnixNano: NS(t1),
      timeUnixNano: NS(t2),
      asDouble: 10,
    });
  });

  it('stores or leaves out a histogram point whole, by the latest of its timestamps', () => {
    const starts = new SeriesStarts();
    const at = T0 - 30_000;
    // One bucket without a timestamp, the rest with one: one point, at that time.
    const text = [
      '# TYPE ex histogram',
      'ex_bucket{le="0.5"} 1',
      `ex_bucket{le="+Inf"} 2 ${at}`,
      `ex_count 2 ${at}`,
      `ex_sum 1.2 ${at}`,
      '',
    ].join('\n');
    const first = convert(text, 'prometheus', starts, T0).metric('ex');
    expect(first.histogram.dataPoints).toHaveLength(1);
    expect(first.histogram.dataPoints[0]).toMatchObject({
      timeUnixNano: NS(at),
      count: '2',
      bucketCounts: ['1', '1'],
    });
    // Served again: left out whole, not a part of it stored as a new point.
    const again = convert(text, 'prometheus', starts, T0 + 15_000);
    expect(again.metric('ex')).toBeUndefined();
    expect(again.r.points).toBe(0);
  });

  it('rolls a scrape that cannot be converted back, so its samples are sent again', () => {
    const starts = new SeriesStarts();
    const at = T0 - 30_000;
    const bad = `tsg 5 ${at}\n# TYPE h histogram\nh_bucket{le="abc"} 1\nh_count 1\n`;
    expect(() => toMetricsRequest(parseExposition(bad, 'prometheus'), target, T0, starts)).toThrow(
      ConversionError,
    );
    const good = convert(`tsg 5 ${at}\n`, 'prometheus', starts, T0 + 15_000);
    expect(good.metric('tsg').gauge.dataPoints[0]).toMatchObject({
      timeUnixNano: NS(at),
      asDouble: 5,
    });
    // A scrape converted but not stored is rolled back by its caller the same way.
    toMetricsRequest(parseExposition(`tsg 6 ${at + 1}\n`, 'prometheus'), target, T0, starts);
    starts.rollback();
    expect(convert(`tsg 6 ${at + 1}\n`, 'prometheus', starts, T0).metric('tsg')).toBeDefined();
  });

  it('gives a time past what 64 bits of nanoseconds hold as their largest, not another date', () => {
    const { metric } = convert('far 1 99999999999999\n');
    expect(metric('far').gauge.dataPoints[0].timeUnixNano).toBe('18446744073709551615');
  });

  it('leaves out a sample whose own timestamp is older than the oldest kept', () => {
    const text = `old_g 5 ${T0 - 40 * 86_400_000}\nnew_g 6 ${T0 - 1000}\nplain 1\n`;
    const r = toMetricsRequest(
      parseExposition(text, 'prometheus'),
      target,
      T0,
      new SeriesStarts(),
      T0 - 30 * 86_400_000,
    );
    expect(r.points).toBe(2);
    const names = REQUEST_TYPES.metrics
      .decode(r.request)
      .toJSON()
      .resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name);
    expect(names.sort()).toEqual(['new_g', 'plain']);
  });

  it('makes counters monotonic cumulative sums that start when first seen', () => {
    const starts = new SeriesStarts();
    const text = (v: number) =>
      `# TYPE node_cpu_seconds_total counter\nnode_cpu_seconds_total{cpu="0",mode="idle"} ${v}\n`;
    const first = convert(text(100), 'prometheus', starts, T0).metric('node_cpu_seconds_total');
    expect(first.sum.aggregationTemporality).toBe(2);
    expect(first.sum.isMonotonic).toBe(true);
    expect(first.sum.dataPoints[0]).toMatchObject({
      startTimeUnixNano: NS(T0),
      timeUnixNano: NS(T0),
      asDouble: 100,
    });
    const second = convert(text(130), 'prometheus', starts, T0 + 15_000).metric(
      'node_cpu_seconds_total',
    );
    expect(second.sum.dataPoints[0]).toMatchObject({
      startTimeUnixNano: NS(T0),
      timeUnixNano: NS(T0 + 15_000),
      asDouble: 130,
    });
  });

  it('starts a counter anew after it goes down (a restarted target)', () => {
    const starts = new SeriesStarts();
    const text = (v: number) => `# TYPE c counter\nc_total ${v}\n`;
    convert(text(50), 'prometheus', starts, T0);
    convert(text(60), 'prometheus', starts, T0 + 10_000);
    const after = convert(text(2), 'prometheus', starts, T0 + 20_000).metric('c_total');
    expect(after.sum.dataPoints[0].startTimeUnixNano).toBe(NS(T0 + 10_001));
    const next = convert(text(5), 'prometheus', starts, T0 + 30_000).metric('c_total');
    expect(next.sum.dataPoints[0].startTimeUnixNano).toBe(NS(T0 + 10_001));
  });

  it('forgets a series missing from a scrape, so it starts anew when it comes back', () => {
    const starts = new SeriesStarts();
    convert('# TYPE c counter\nc_total{a="1"} 5\n', 'prometheus', starts, T0);
    convert('# TYPE c counter\nc_total{a="2"} 5\n', 'prometheus', starts, T0 + 10_000);
    expect(starts.size).toBe(1);
    const back = convert('# TYPE c counter\nc_total{a="1"} 9\n', 'prometheus', starts, T0 + 20_000);
    expect(back.metric('c_total').sum.dataPoints[0].startTimeUnixNano).toBe(NS(T0 + 20_000));
  });

  it('keeps the _total name of OpenMetrics counters and takes their start from _created', () => {
    const { metric, metrics } = convert(
      `# TYPE requests counter
# UNIT requests requests
# HELP requests Requests served.
requests_total{code="200"} 17
requests_created{code="200"} 1764316000.5
requests_total{code="500"} 2
# EOF
`,
      'openmetrics',
    );
    expect(metrics.map((m) => m.name)).toEqual(['requests_total']);
    const m = metric('requests_total');
    expect(m.unit).toBe('requests');
    const [ok, failed] = m.sum.dataPoints;
    expect(attrs(ok.attributes).code).toBe('200');
    expect(ok.startTimeUnixNano).toBe(NS(1764316000500));
    // Without _created: when this collector first saw it.
    expect(failed.startTimeUnixNano).toBe(NS(T0));
  });

  it('leaves out a histogram or summary without its _count, as OpenTelemetry does', () => {
    const { metrics } = convert(`# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_sum 3
# TYPE s summary
s{quantile="0.5"} 1
s_sum 4
# TYPE full histogram
full_bucket{le="+Inf"} 2
full_count 2
`);
    expect(metrics.map((m) => m.name)).toEqual(['full']);
  });

  it("gives an OpenMetrics UNIT as OpenTelemetry's unit", () => {
    const { metric } = convert(
      '# TYPE t gauge\n# UNIT t seconds\nt 1\n# TYPE r gauge\n# UNIT r bytes_per_second\nr 2\n# EOF\n',
      'openmetrics',
    );
    expect(metric('t').unit).toBe('s');
    expect(metric('r').unit).toBe('By/s');
  });

  it('makes info and stateset non-monotonic sums and leaves gaugehistograms out', () => {
    // As OpenTelemetry's Prometheus and OpenMetrics compatibility converts them.
    const starts = new SeriesStarts();
    const text = (a: number, b: number) => `# TYPE build info
build_info{version="1.2"} 1
# TYPE state stateset
state{state="a"} ${a}
state{state="b"} ${b}
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 2
gh_gcount 2
gh_gsum 3
loose 1
# EOF
`;
    const first = convert(text(1, 0), 'openmetrics', starts, T0);
    expect(first.metrics.map((m) => m.name)).toEqual(['build_info', 'state', 'loose']);
    const info = first.metric('build_info').sum;
    expect(info).toMatchObject({ aggregationTemporality: 2 });
    expect(info.isMonotonic).toBeFalsy();
    expect(info.dataPoints[0]).toMatchObject({
      startTimeUnixNano: NS(T0),
      timeUnixNano: NS(T0),
      asDouble: 1,
    });
    expect(first.metric('state').sum.dataPoints.map((p: any) => p.asDouble)).toEqual([1, 0]);
    expect(first.metric('loose').gauge.dataPoints[0].asDouble).toBe(1);
    // A state going from 1 to 0 is no reset: the series keeps its start.
    const second = convert(text(0, 1), 'openmetrics', starts, T0 + 15_000).metric('state');
    expect(second.sum.dataPoints.map((p: any) => [p.startTimeUnixNano, p.asDouble])).toEqual([
      [NS(T0), 0],
      [NS(T0), 1],
    ]);
  });

  it('turns cumulative buckets into per-bucket counts with explicit bounds', () => {
    const { metric } = convert(HISTOGRAM);
    const h = metric('http_request_duration_seconds');
    expect(h.description).toBe('Request duration.');
    expect(h.histogram.aggregationTemporality).toBe(2);
    const [a, b] = h.histogram.dataPoints;
    expect(attrs(a.attributes)).toEqual({ env: 'prod', method: 'FROM-COLLECTOR', path: '/a' });
    expect(a).toMatchObject({
      startTimeUnixNano: NS(T0),
      timeUnixNano: NS(T0),
      count: '20',
      sum: 7.5,
      bucketCounts: ['10', '5', '3', '2'],
      explicitBounds: [0.05, 0.1, 1],
    });
    expect(b).toMatchObject({
      count: '1',
      sum: 0.5,
      bucketCounts: ['0', '0', '1', '0'],
      explicitBounds: [0.05, 0.1, 1],
    });
  });

  it('reads buckets in any order and without a +Inf bucket', () => {
    const { metric } = convert(`# TYPE h histogram
h_bucket{le="10"} 7
h_bucket{le="1"} 4
h_count 9
h_sum 40
`);
    expect(metric('h').histogram.dataPoints[0]).toMatchObject({
      count: '9',
      bucketCounts: ['4', '3', '2'],
      explicitBounds: [1, 10],
    });
  });

  it('takes a sample repeated in one exposition once, the first', () => {
    const starts = new SeriesStarts();
    const text = `# TYPE dupc counter
dupc 1
dupc 2
# TYPE h histogram
h_bucket{le="1"} 4
h_bucket{le="1.0"} 5
h_bucket{le="+Inf"} 9
h_count 9
`;
    const first = convert(text, 'prometheus', starts);
    expect(first.r.points).toBe(2);
    expect(first.metric('dupc').sum.dataPoints.map((p: any) => p.asDouble)).toEqual([1]);
    expect(first.metric('h').histogram.dataPoints[0]).toMatchObject({
      bucketCounts: ['4', '5'],
      explicitBounds: [1],
    });
    // The next scrape of the same text continues the series: no restart.
    const again = convert(text, 'prometheus', starts, T0 + 15_000);
    expect(again.metric('dupc').sum.dataPoints[0].startTimeUnixNano).toBe(
      first.metric('dupc').sum.dataPoints[0].startTimeUnixNano,
    );
  });

  it('refuses a histogram bucket whose le is not a number', () => {
    expect(() => convert('# TYPE h histogram\nh_bucket{le="x"} 1\nh_count 1\n')).toThrow(
      ConversionError,
    );
  });

  it('makes summaries summary points with their quantiles, sorted', () => {
    const { metric } = convert(`# HELP rpc_duration_seconds RPC duration.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{service="x",quantile="0.99"} 76656
rpc_duration_seconds{service="x",quantile="0.5"} 4773
rpc_duration_seconds{service="x",quantile="0.01"} 3102
rpc_duration_seconds_sum{service="x"} 1.7560473e+07
rpc_duration_seconds_count{service="x"} 2693
`);
    const p = metric('rpc_duration_seconds').summary.dataPoints[0];
    expect(attrs(p.attributes)).toEqual({ env: 'prod', method: 'FROM-COLLECTOR', service: 'x' });
    expect(p).toMatchObject({
      startTimeUnixNano: NS(T0),
      count: '2693',
      sum: 17560473,
      quantileValues: [
        { quantile: 0.01, value: 3102 },
        { quantile: 0.5, value: 4773 },
        { quantile: 0.99, value: 76656 },
      ],
    });
  });

  it('keeps NaN and infinite values', () => {
    const { metric } = convert('a NaN\nb +Inf\nc -Inf\n');
    expect(metric('a').gauge.dataPoints[0].asDouble).toBeNaN();
    expect(metric('b').gauge.dataPoints[0].asDouble).toBe(Infinity);
    expect(metric('c').gauge.dataPoints[0].asDouble).toBe(-Infinity);
  });

  it('is stored by the OTLP converter into the sum, gauge, histogram and summary tables', () => {
    const text = `# TYPE c counter
c_total 1
# TYPE g gauge
g 2
${HISTOGRAM}# TYPE s summary
s{quantile="0.5"} 1
s_sum 1
s_count 1
`;
    const { r } = convert(text);
    expect(r.points).toBe(5);
    const converted = metricsToRows(r.request, 0);
    expect(converted.rejected).toBe(0);
    expect(converted.accepted).toBe(5);
    const rows = Object.fromEntries(converted.parts.map((p) => [p.table, p.rows]));
    expect(rows).toEqual({
      otel_metrics_sum: 1,
      otel_metrics_gauge: 1,
      otel_metrics_histogram: 2,
      otel_metrics_summary: 1,
    });
    const histogram = readNative(
      converted.parts.find((p) => p.table === 'otel_metrics_histogram')!.body,
    );
    const column = (name: string) => histogram.columns.findIndex((c) => c.name === name);
    expect(
      histogram.rows.map((r) => [r[column('BucketCounts')], r[column('ExplicitBounds')]]),
    ).toContainEqual(['[10,5,3,2]', '[0.05,0.1,1]']);
  });
});

describe('instanceOf', () => {
  it.each([
    ['http://127.0.0.1:9100/metrics', '127.0.0.1:9100'],
    ['http://node.example/metrics', 'node.example:80'],
    ['https://node.example/metrics', 'node.example:443'],
    ['http://[::1]:9100/metrics', '[::1]:9100'],
  ])('names %s as %s', (url, instance) => {
    expect(instanceOf(url)).toBe(instance);
  });
});
