import { describe, expect, it } from 'vitest';
import { jsonToProtobuf } from '../../../../src/ingest/otlp/decode.js';
import { metricsToRows } from '../../../../src/ingest/otlp/metrics-rows.js';
import { AppError } from '../../../../src/lib/errors.js';
import { pointsToOtlp, PushPoint, PUSH_SCOPE } from '../../../../src/query/metrics/index.js';

const NOW = Date.UTC(2026, 10, 28, 10, 0, 0);
const points = (list: unknown[]) => list.map((p) => PushPoint.parse(p));

describe('pointsToOtlp', () => {
  it('makes a resource per service and a metric per name, type and unit', () => {
    const req = pointsToOtlp(
      points([
        { name: 'a', value: 1, service: 's1', attributes: { z: 'x', a: 2, f: 1.5, ok: true } },
        { name: 'a', value: 2, service: 's1', time: '2026-11-28T09:00:00.250Z' },
        { name: 'a', value: 3, service: 's1', unit: 'ms' },
        { name: 'c', type: 'sum', value: 4, time: NOW - 1000 },
        { name: 'c', type: 'sum', value: 5, temporality: 'delta', monotonic: false },
      ]),
      { nowMs: NOW, retentionDays: 0 },
    );
    expect(req.resourceMetrics).toHaveLength(2);
    const [s1, none] = req.resourceMetrics;
    expect(s1!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 's1' } },
    ]);
    expect(none!.resource.attributes).toEqual([]);
    expect(s1!.scopeMetrics[0]!.scope.name).toBe(PUSH_SCOPE);
    const [a, aMs] = s1!.scopeMetrics[0]!.metrics;
    expect(a!.gauge!.dataPoints.map((p) => p.timeUnixNano)).toEqual([
      `${NOW}000000`,
      `${Date.UTC(2026, 10, 28, 9, 0, 0, 250)}000000`,
    ]);
    expect(a!.gauge!.dataPoints[0]!.attributes).toEqual([
      { key: 'a', value: { intValue: '2' } },
      { key: 'f', value: { doubleValue: 1.5 } },
      { key: 'ok', value: { boolValue: true } },
      { key: 'z', value: { stringValue: 'x' } },
    ]);
    expect(aMs!.unit).toBe('ms');
    const [cumulative, delta] = none!.scopeMetrics[0]!.metrics;
    expect(cumulative!.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(delta!.sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: false });
  });

  it('passes through the OTLP converter: one row per point in the gauge and sum tables', () => {
    const req = pointsToOtlp(
      points([
        { name: 'a', value: 1 },
        { name: 'a', value: 2, attributes: { k: 'v' } },
        { name: 'b', type: 'sum', value: 3 },
      ]),
      { nowMs: NOW, retentionDays: 0 },
    );
    const converted = metricsToRows(jsonToProtobuf('metrics', JSON.stringify(req)));
    expect(converted).toMatchObject({ accepted: 3, rejected: 0 });
    expect(converted.parts.map((p) => [p.table, p.rows])).toEqual([
      ['otel_metrics_gauge', 2],
      ['otel_metrics_sum', 1],
    ]);
  });

  it.each([
    ['a text that is not a time', 'yesterday'],
    ['a time past 2262', 9_300_000_000_000],
    ['Unix seconds as a number', 1_795_860_000],
    ['Unix seconds as a text', '1795860000'],
  ])('refuses %s naming points.INDEX.time', (_what, time) => {
    const list = points([
      { name: 'a', value: 1 },
      { name: 'a', value: 1, time },
    ]);
    expect(() => pointsToOtlp(list, { nowMs: NOW, retentionDays: 0 })).toThrow(AppError);
    expect(() => pointsToOtlp(list, { nowMs: NOW, retentionDays: 0 })).toThrow(
      /^points\.1\.time: /,
    );
  });

  it('refuses a point older than the retention, naming it, and keeps one just inside it', () => {
    const day = 86_400_000;
    const at = (time: number) =>
      points([
        { name: 'a', value: 1 },
        { name: 'a', value: 1, time },
      ]);
    const times = { nowMs: NOW, retentionDays: 7 };
    expect(() => pointsToOtlp(at(NOW - 7 * day - 1), times)).toThrow(
      /^points\.1\.time: older than the metrics retention \(7 days\)$/,
    );
    expect(pointsToOtlp(at(NOW - 7 * day), times).resourceMetrics).toHaveLength(1);
    // Kept forever: any time from 1970 on.
    expect(pointsToOtlp(at(1), { nowMs: NOW, retentionDays: 0 }).resourceMetrics).toHaveLength(1);
  });

  it.each([
    [{ name: "a'b", value: 1 }],
    [{ name: 'a', value: Infinity }],
    [{ name: 'a', value: 1, attributes: { 'a b': 'x' } }],
    [{ name: 'a', value: 1, type: 'histogram' }],
    [{ name: 'a', value: 1, timestamp: 1 }],
  ])('the point schema refuses %j', (p) => {
    expect(PushPoint.safeParse(p).success).toBe(false);
  });
});
