import { describe, expect, it } from 'vitest';
import { decodeJson, decodeProtobuf } from '../../../src/ingest/otlp/decode.js';
import { logsToRows } from '../../../src/ingest/otlp/logs-rows.js';
import { tracesToRows } from '../../../src/ingest/otlp/traces-rows.js';
import { metricsToRows } from '../../../src/ingest/otlp/metrics-rows.js';
import { anyValueText } from '../../../src/ingest/otlp/attributes.js';
import { splitNanos } from '../../../src/lib/nanos.js';
import { AppError } from '../../../src/lib/errors.js';
import type { LogsRequest, MetricsRequest, TracesRequest } from '../../../src/ingest/otlp/model.js';

describe('OTLP/JSON decoding', () => {
  it('turns hex ids into bytes and marks ids that are not hex', () => {
    const req = decodeJson(
      'traces',
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0102030405060708090a0b0c0d0e0f10',
                    spanId: '0102030405060708',
                    startTimeUnixNano: '5',
                    endTimeUnixNano: '6',
                  },
                  {
                    traceId: 'not hex at all!!not hex at all!!',
                    spanId: '0102030405060708',
                    startTimeUnixNano: '5',
                    endTimeUnixNano: '6',
                  },
                ],
              },
            ],
          },
        ],
      }),
    ) as TracesRequest;
    const spans = req.resourceSpans![0]!.scopeSpans![0]!.spans!;
    expect(Buffer.from(spans[0]!.traceId!).toString('hex')).toBe(
      '0102030405060708090a0b0c0d0e0f10',
    );
    expect(spans[1]!.traceId!.length).toBe(1);
    const converted = tracesToRows(req);
    expect(converted.accepted).toBe(1);
    expect(converted.rejected).toBe(1);
  });

  it('refuses input that is not an export request with a VALIDATION error', () => {
    for (const text of ['', 'null', '"x"', '{"resourceLogs":"x"}']) {
      expect(() => decodeJson('logs', text), text).toThrow(AppError);
    }
    expect(() => decodeProtobuf('logs', Buffer.from([0xff, 0xff]))).toThrow(
      /not a valid logs export request/,
    );
  });
});

describe('AnyValue text', () => {
  it('writes every value type as the exporter schema stores it', () => {
    expect(anyValueText({ value: 'stringValue', stringValue: 'x' })).toBe('x');
    expect(anyValueText({ value: 'boolValue', boolValue: true })).toBe('true');
    expect(anyValueText({ value: 'intValue', intValue: '-9223372036854775808' })).toBe(
      '-9223372036854775808',
    );
    expect(anyValueText({ value: 'doubleValue', doubleValue: 1.5 })).toBe('1.5');
    expect(anyValueText({ value: 'bytesValue', bytesValue: Buffer.from('hi') })).toBe('aGk=');
    expect(
      anyValueText({
        value: 'arrayValue',
        arrayValue: {
          values: [
            { value: 'intValue', intValue: 1 },
            { value: 'stringValue', stringValue: 'a' },
          ],
        },
      }),
    ).toBe('[1,"a"]');
    expect(
      anyValueText({
        value: 'kvlistValue',
        kvlistValue: { values: [{ key: 'k', value: { value: 'boolValue', boolValue: false } }] },
      }),
    ).toBe('{"k":false}');
    expect(anyValueText(undefined)).toBe('');
  });
});

describe('log rows', () => {
  it('falls back to the observed time, then the receive time, for a record without a time', () => {
    const req = decodeJson(
      'logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { observedTimeUnixNano: '1700000000000000005', body: { stringValue: 'a' } },
                  { body: { stringValue: 'b' } },
                ],
              },
            ],
          },
        ],
      }),
    ) as LogsRequest;
    const out = logsToRows(req, splitNanos('1800000000000000000'));
    const lines = out.parts[0]!.body.trim().split('\n');
    expect(lines[0]!.split('\t')[0]).toBe('1700000000.000000005');
    expect(lines[1]!.split('\t')[0]).toBe('1800000000.000000000');
    expect(lines[1]!.split('\t')[16]).toBe('1800000000.000000000');
  });
});

describe('metric rows', () => {
  it('refuses points whose exemplar time cannot be stored, and mismatched histogram buckets', () => {
    const req = decodeJson(
      'metrics',
      JSON.stringify({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'g',
                    gauge: {
                      dataPoints: [
                        {
                          timeUnixNano: '1700000000000000000',
                          asDouble: 1,
                          exemplars: [{ timeUnixNano: '18446744073709551615', asDouble: 2 }],
                        },
                        { timeUnixNano: '1700000000000000000', asDouble: 3 },
                      ],
                    },
                  },
                  {
                    name: 'h',
                    histogram: {
                      dataPoints: [
                        {
                          timeUnixNano: '1700000000000000000',
                          count: '3',
                          bucketCounts: ['1', '2'],
                          explicitBounds: [1, 2],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    ) as MetricsRequest;
    const out = metricsToRows(req);
    expect(out.accepted).toBe(1);
    expect(out.rejected).toBe(2);
    expect(out.message).toContain('exemplar time_unix_nano is out of range');
    expect(out.message).toContain('one more element than explicit_bounds');
  });
});
