import { describe, expect, it } from 'vitest';
import { jsonToProtobuf } from '../../../src/ingest/otlp/decode.js';
import { logsToRows } from '../../../src/ingest/otlp/logs-rows.js';
import { metricsToRows } from '../../../src/ingest/otlp/metrics-rows.js';
import { OtlpPipeline } from '../../../src/ingest/otlp/pipeline.js';
import { tracesToRows } from '../../../src/ingest/otlp/traces-rows.js';
import { Registry } from '../../../src/lib/metrics.js';
import type { Store } from '../../../src/store/index.js';
import { AppError } from '../../../src/lib/errors.js';
import { BadRequestType, StatusType } from '../../../src/ingest/otlp/proto.js';
import { statusProto } from '../../../src/ingest/otlp/responses.js';
import { splitNanos } from '../../../src/lib/nanos.js';
import type { Converted } from '../../../src/ingest/otlp/convert-common.js';
import { readNative } from '../../native-block.js';

const rowsOf = (c: Converted) => c.parts.flatMap((p) => readNative(p.body).rows);

const logs = (records: unknown[], resourceAttributes: unknown[] = []) =>
  jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        { resource: { attributes: resourceAttributes }, scopeLogs: [{ logRecords: records }] },
      ],
    }),
  );

/** A metrics export request of one resource and scope, as protobuf. */
const metricsRequest = (metrics: unknown[], resource: unknown = {}, scope: unknown = {}) =>
  jsonToProtobuf(
    'metrics',
    JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics }] }] }),
  );

const NOW = splitNanos('1800000000000000000');

describe('OTLP/JSON', () => {
  it('turns hex ids into bytes and refuses ids that are not hex', () => {
    const body = jsonToProtobuf(
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
    );
    const converted = tracesToRows(body);
    expect(converted.accepted).toBe(1);
    expect(converted.rejected).toBe(1);
    expect(rowsOf(converted)[0]![1]).toBe('0102030405060708090a0b0c0d0e0f10');
  });

  it('refuses input that is not an export request with a VALIDATION error', () => {
    for (const text of ['', 'null', '"x"', '{"resourceLogs":"x"}']) {
      expect(() => jsonToProtobuf('logs', text), text).toThrow(AppError);
    }
  });

  it('refuses a value that its field cannot hold, naming where it is, instead of coercing it', () => {
    const record = (fields: Record<string, unknown>) =>
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [fields] }] }] });
    const value = (v: unknown) => record({ attributes: [{ key: 'k', value: v }] });
    const cases: [string, RegExp][] = [
      [record({ timeUnixNano: '1795988863000000000abc' }), /timeUnixNano: .* is not an integer/],
      [record({ timeUnixNano: '1.5' }), /timeUnixNano: "1.5" is not an integer/],
      [record({ timeUnixNano: 'abc' }), /is not an integer/],
      [record({ timeUnixNano: '' }), /is not an integer/],
      [record({ timeUnixNano: -1 }), /out of range for fixed64/],
      [record({ timeUnixNano: '18446744073709551616' }), /out of range for fixed64/],
      [record({ severityNumber: 'LOUD' }), /severityNumber: "LOUD" is not a value of/],
      [record({ flags: 1.5 }), /flags: 1.5 is not an integer/],
      [record({ body: 'text' }), /body: "text" is not an object/],
      [record({ attributes: {} }), /attributes: \{\} is not an array/],
      [value({ intValue: '12abc' }), /attributes\[0\]\.value\.intValue: .* is not an integer/],
      [value({ intValue: '1.9' }), /is not an integer/],
      [value({ boolValue: 'false' }), /boolValue: "false" is not true or false/],
      [value({ doubleValue: 'abc' }), /doubleValue: "abc" is not a number/],
      [value({ doubleValue: '' }), /is not a number/],
      [value({ stringValue: 5 }), /stringValue: 5 is not a string/],
      [value({ bytesValue: 'not base64!' }), /bytesValue: .* is not base64/],
    ];
    for (const [text, message] of cases) {
      expect(() => jsonToProtobuf('logs', text), text).toThrow(message);
    }
  });

  it('names the field at fault in a google.rpc.BadRequest of the binary Status too', () => {
    const text = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ flags: 'x' }] }] }],
    });
    let err: unknown;
    try {
      jsonToProtobuf('logs', text);
    } catch (e) {
      err = e;
    }
    const status = StatusType.decode(statusProto(err as AppError)) as unknown as {
      details: { type_url: string; value: Uint8Array }[];
    };
    expect(status.details.map((d) => d.type_url)).toEqual([
      'type.googleapis.com/google.rpc.BadRequest',
    ]);
    expect(BadRequestType.toObject(BadRequestType.decode(status.details[0]!.value))).toEqual({
      fieldViolations: [
        {
          field: 'resourceLogs[0].scopeLogs[0].logRecords[0].flags',
          description: '"x" is not an integer',
        },
      ],
    });
  });

  it('reads 64-bit integers exactly, as numbers, strings or with an exponent', () => {
    const attrs = [
      { key: 'big', value: { intValue: 'BIG' } },
      { key: 'exp', value: { intValue: '1e3' } },
      { key: 'neg', value: { intValue: 'EXPONENT' } },
      { key: 'd', value: { doubleValue: '2.5e-1' } },
      { key: 'inf', value: { doubleValue: '-Infinity' } },
    ];
    const text = JSON.stringify({
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ timeUnixNano: '1.7e18', attributes: attrs }] }] },
      ],
    })
      // JSON numbers as a sender writes them: beyond 2^53, and with an exponent.
      .replace('"BIG"', '9007199254740993')
      .replace('"EXPONENT"', '-12e2');
    expect(text).toContain('"intValue":-12e2');
    const [row] = rowsOf(logsToRows(jsonToProtobuf('logs', text), NOW));
    expect(row![0]).toBe('1700000000.000000000');
    expect(row![14]).toBe(
      "{'big':'9007199254740993','exp':'1000','neg':'-1200','d':'0.25','inf':'-Inf'}",
    );
  });

  it('reads a lone surrogate as U+FFFD, in values and keys, pairs as they are', () => {
    const text = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1700000000000000000',
                  body: { stringValue: 'a \ud800 b \udfff c \ud83d\ude00' },
                  attributes: [{ key: 'k\udc00', value: { stringValue: 'v' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(text).toContain('\\ud800');
    const [row] = rowsOf(logsToRows(jsonToProtobuf('logs', text), NOW));
    expect(row![7]).toBe('a \ufffd b \ufffd c \u{1f600}');
    expect(row![14]).toBe("{'k\ufffd':'v'}");
  });

  it('leaves numbers inside strings as they are, escaped quotes and backslashes too', () => {
    const body = 'id \\" 12345678901234567 1e5 \\\\';
    const text = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":1.7e18,"body":{"stringValue":"${body}"},"attributes":[{"key":"n","value":{"intValue":9007199254740993}}]}]}]}]}`;
    const [row] = rowsOf(logsToRows(jsonToProtobuf('logs', text), NOW));
    expect(row![0]).toBe('1700000000.000000000');
    expect(row![7]).toBe(JSON.parse(`"${body}"`));
    expect(row![14]).toBe("{'n':'9007199254740993'}");
    // A string left open is not JSON, however it ends.
    const open = `{"x":1e5,"y":"${'\\\\'.repeat(10_000)}`;
    expect(() => jsonToProtobuf('logs', open)).toThrow(/request body is not valid JSON/);
  });
});

describe('reading the wire', () => {
  it('refuses truncated and malformed protobuf with a VALIDATION error', () => {
    const good = logs([{ timeUnixNano: '1700000000000000000', body: { stringValue: 'x' } }]);
    expect(logsToRows(good, NOW).accepted).toBe(1);
    for (const bad of [
      good.subarray(0, good.length - 3),
      Buffer.from([0xff, 0xff]),
      Buffer.from([0x0b]),
    ]) {
      expect(() => logsToRows(bad, NOW)).toThrow(/not a valid OTLP protobuf message/);
    }
  });

  it('skips fields it does not know', () => {
    // Field 99 (varint) before the resource logs.
    const unknown = Buffer.concat([
      Buffer.from([0x98, 0x06, 0x01]),
      logs([{ timeUnixNano: '1700000000000000000' }]),
    ]);
    expect(logsToRows(unknown, NOW).accepted).toBe(1);
  });

  it('skips an unknown group whole, and refuses one that does not end', () => {
    const record = logs([{ timeUnixNano: '1700000000000000000' }]);
    // Field 99 as a group (tag 99 << 3 | 3) holding a varint and a nested group, then its end.
    const group = Buffer.from([0x9b, 0x06, 0x08, 0x05, 0x13, 0x08, 0x01, 0x14, 0x9c, 0x06]);
    expect(logsToRows(Buffer.concat([group, record]), NOW).accepted).toBe(1);
    const unended = Buffer.concat([group.subarray(0, group.length - 2), record]);
    expect(() => logsToRows(unended, NOW)).toThrow(/not a valid OTLP protobuf message/);
  });
});

describe('values', () => {
  it('keeps the last of a repeated key among many attributes, sorted or as sent', () => {
    // Past a few dozen keys repeats are found by a map and resource keys sorted in one go;
    // the answer is the one the handful of keys gets.
    const keys = Array.from({ length: 300 }, (_, i) => `k${String(299 - i).padStart(3, '0')}`);
    const attrs = [
      ...keys.map((key) => ({ key, value: { stringValue: key } })),
      { key: 'k150', value: { stringValue: 'last' } },
    ];
    const [row] = rowsOf(
      logsToRows(logs([{ timeUnixNano: '1700000000000000000', attributes: attrs }], attrs), NOW),
    );
    const map = (entries: string[]) =>
      `{${entries.map((k) => `'${k}':'${k === 'k150' ? 'last' : k}'`).join(',')}}`;
    expect(row![9]).toBe(map([...keys].sort()));
    expect(row![14]).toBe(map([...keys.filter((k) => k !== 'k150'), 'k150']));
  });

  it('writes every AnyValue type as the exporter schema stores it', () => {
    const attrs = [
      { key: 's', value: { stringValue: "it's\ta\\b" } },
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '-9223372036854775808' } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'z', value: { doubleValue: '-0' } },
      { key: 'e', value: { doubleValue: 1e21 } },
      { key: 'y', value: { bytesValue: Buffer.from('hi').toString('base64') } },
      { key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'a' }] } } },
      { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
      { key: 'none' },
    ];
    const [row] = rowsOf(
      logsToRows(logs([{ timeUnixNano: '1700000000000000000', attributes: attrs }]), NOW),
    );
    expect(row![14]).toBe(
      "{'s':'it's\ta\\b','b':'true','i':'-9223372036854775808','d':'1.5','z':'-0','e':'1e+21','y':'aGk=','a':'[1,\"a\"]','m':'{\"k\":false}','none':''}",
    );
  });

  it('writes a body of each type and names its type', () => {
    const rows = rowsOf(
      logsToRows(
        logs([
          { timeUnixNano: '1700000000000000001', body: { stringValue: 'tab\there' } },
          {
            timeUnixNano: '1700000000000000002',
            body: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
          },
          { timeUnixNano: '1700000000000000003' },
        ]),
        NOW,
      ),
    );
    expect(rows.map((r) => [r[7], r[18]])).toEqual([
      ['tab\there', 'string'],
      ['{"k":"v"}', 'map'],
      ['', ''],
    ]);
  });

  it('takes service.name from the resource', () => {
    const [row] = rowsOf(
      logsToRows(
        logs(
          [{ timeUnixNano: '1700000000000000000' }],
          [{ key: 'service.name', value: { stringValue: 'svc\n1' } }],
        ),
        NOW,
      ),
    );
    expect(row![6]).toBe('svc\n1');
    expect(row![9]).toBe("{'service.name':'svc\n1'}");
  });
});

describe('log rows', () => {
  it('falls back to the observed time, then the receive time, for a record without a time', () => {
    const rows = rowsOf(
      logsToRows(
        logs([
          { observedTimeUnixNano: '1700000000000000005', body: { stringValue: 'a' } },
          { body: { stringValue: 'b' } },
        ]),
        NOW,
      ),
    );
    expect(rows[0]![0]).toBe('1700000000.000000005');
    expect(rows[1]![0]).toBe('1800000000.000000000');
    expect(rows[1]![16]).toBe('1800000000.000000000');
  });
});

describe('metric rows', () => {
  it('refuses points whose exemplar time cannot be stored, and mismatched histogram buckets', () => {
    const body = jsonToProtobuf(
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
    );
    const out = metricsToRows(body);
    expect(out.accepted).toBe(1);
    expect(out.rejected).toBe(2);
    expect(out.message).toContain('exemplar time_unix_nano is out of range');
    expect(out.message).toContain('one more element than explicit_bounds');
  });

  it('stores metric attribute maps ordered by key, a repeated key with its last value', () => {
    const attrs = (...pairs: [string, string][]) =>
      pairs.map(([key, v]) => ({ key, value: { stringValue: v } }));
    const many = attrs(
      ...Array.from({ length: 40 }, (_, i): [string, string] => {
        const k = `k${String(99 - i).padStart(2, '0')}`;
        return [k, k];
      }),
    );
    const body = metricsRequest(
      [
        {
          name: 'g',
          gauge: {
            dataPoints: [
              {
                timeUnixNano: '1700000000000000000',
                asDouble: 1,
                attributes: attrs(['é', '1'], ['z', '2'], ['a', '3'], ['ab', '4'], ['a', '5']),
              },
              { timeUnixNano: '1700000000000000000', asDouble: 2, attributes: many },
            ],
          },
        },
      ],
      { attributes: attrs(['zone', '1'], ['service.name', 's']) },
      { name: 'sc', attributes: attrs(['b', '1'], ['a', '2']) },
    );
    const block = readNative(metricsToRows(body).parts[0]!.body);
    const column = (name: string, row = 0) =>
      block.rows[row]![block.columns.findIndex((c) => c.name === name)];
    expect(column('ResourceAttributes')).toBe("{'service.name':'s','zone':'1'}");
    expect(column('ScopeAttributes')).toBe("{'a':'2','b':'1'}");
    expect(column('Attributes')).toBe("{'a':'5','ab':'4','z':'2','é':'1'}");
    // More keys than the sort's first buffers hold, in reverse.
    const keys = many.map((a) => a.key).sort();
    expect(column('Attributes', 1)).toBe(`{${keys.map((k) => `'${k}':'${k}'`).join(',')}}`);
  });

  it('reads packed and unpacked repeated numbers alike', () => {
    // histogram point: time (3, fixed64), count (4), bucket_counts unpacked (6, wire type 1) x2,
    // explicit_bounds packed (7).
    const point = Buffer.concat([
      Buffer.from([0x19]),
      Buffer.from('00e4bd3ae5a4971b', 'hex'),
      Buffer.from([0x21]),
      Buffer.from('0300000000000000', 'hex'),
      Buffer.from([0x31]),
      Buffer.from('0100000000000000', 'hex'),
      Buffer.from([0x31]),
      Buffer.from('0200000000000000', 'hex'),
      Buffer.from([0x3a, 0x08]),
      Buffer.from('000000000000f83f', 'hex'),
    ]);
    const lenPrefixed = (tag: number, b: Buffer) =>
      Buffer.concat([Buffer.from([tag, b.length]), b]);
    const histogram = lenPrefixed(0x0a, point); // Histogram.data_points
    const metric = Buffer.concat([
      lenPrefixed(0x0a, Buffer.from('h')),
      lenPrefixed(0x4a, histogram),
    ]);
    const request = lenPrefixed(0x0a, lenPrefixed(0x12, lenPrefixed(0x12, metric)));
    const out = metricsToRows(request);
    expect(out.message).toBe('');
    const row = rowsOf(out)[0]!;
    expect(row.slice(17, 21)).toEqual(['3', '0', '[1,2]', '[1.5]']);
  });
});

describe('stored spans', () => {
  const span = (spanId: string, startSec: number) => ({
    traceId: '0102030405060708090a0b0c0d0e0f10',
    spanId,
    startTimeUnixNano: `${startSec}250000000`,
    endTimeUnixNano: `${startSec + 1}000000000`,
  });
  const request = jsonToProtobuf(
    'traces',
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                span('0102030405060708', 1_800_000_100),
                span('0102030405060709', 1_800_000_000),
                // Refused (its id is not 8 bytes): not among the stored spans.
                span('01', 1_700_000_000),
              ],
            },
          ],
        },
      ],
    }),
  );

  it('are reported with the earliest and latest start, once committed', async () => {
    expect(tracesToRows(request).spanStartMs).toEqual({
      fromMs: 1_800_000_000_000,
      toMs: 1_800_000_100_999,
    });
    const registry = new Registry();
    const counters = {
      received: registry.counter('r', 'r'),
      accepted: registry.counter('a', 'a'),
      rejected: registry.counter('j', 'j'),
      refused: registry.counter('f', 'f'),
    };
    const told: unknown[] = [];
    let fail = false;
    const store = {
      write: () => (fail ? Promise.reject(new Error('store down')) : Promise.resolve()),
    } as unknown as Store;
    const pipeline = new OtlpPipeline(
      store,
      counters,
      { traces: 0, logs: 0, metrics: 0 },
      () => '1800000200000000000',
      (org, fromMs, toMs) => told.push([org, fromMs, toMs]),
    );
    await pipeline.export('traces', 'http', 'acme', 'protobuf', request);
    expect(told).toEqual([['acme', 1_800_000_000_000, 1_800_000_100_999]]);
    // Nothing stored, nothing reported.
    fail = true;
    await expect(pipeline.export('traces', 'http', 'acme', 'protobuf', request)).rejects.toThrow();
    expect(told.length).toBe(1);
  });
});
