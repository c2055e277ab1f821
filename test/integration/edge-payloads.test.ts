/**
 * Hand-made OTLP payloads at the edges of the protocol: gzip, 64-bit integers as JSON
 * numbers and strings, empty requests, invalid ids (partial success), undecodable bodies
 * (400, nothing written), unsupported content types, and a summary metric (which the JS
 * SDK cannot produce).
 */
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gridscope } from '../../src/main.js';
import {
  count,
  grpcExport,
  nanosAgo,
  postOtlp,
  removeDir,
  REQUEST_TYPES,
  RESPONSE_TYPES,
  rows,
  startTestServer,
  StatusType,
  tempDataDir,
  urls,
} from './harness.js';

let gs: Gridscope;
let dir: string;

beforeAll(async () => {
  dir = tempDataDir('edge');
  gs = await startTestServer(dir);
});

afterAll(async () => {
  await gs?.close();
  removeDir(dir);
});

const PROTO = { 'content-type': 'application/x-protobuf' };

/** A message of one length-delimited field `field` holding `bytes`, encoded by hand. */
const lenField = (field: number, bytes: Uint8Array) =>
  protobuf.Writer.create()
    .uint32((field << 3) | 2)
    .bytes(bytes)
    .finish();

/**
 * An export request of one resource group holding one scope group holding `item` (a span,
 * log record or metric: field 2 of each group, the groups field 1 of the request).
 */
const oneItemRequest = (item: Uint8Array) => lenField(1, lenField(2, lenField(2, item)));
const JSON_CT = { 'content-type': 'application/json' };

function logRequest(service: string, records: Record<string, unknown>[]) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'edge' }, logRecords: records }],
      },
    ],
  };
}

function spanRequest(service: string, spans: Record<string, unknown>[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  };
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

describe('OTLP/HTTP JSON', () => {
  it('reads 64-bit integers given as JSON strings and as JSON numbers, exactly', async () => {
    const asString = nanosAgo(60, 123_456_789);
    // Beyond 2^53 and odd, so no double holds it: read from the text's own digits.
    const asNumber = nanosAgo(120, 987_654_321);
    const body = logRequest('json-ints', [
      { timeUnixNano: asString, body: { intValue: '9007199254740993' }, severityNumber: 9 },
      { timeUnixNano: 'NUMBER', body: { intValue: 42 }, severityNumber: 13 },
    ]);
    const text = JSON.stringify(body).replace('"NUMBER"', asNumber);
    const res = await postOtlp(gs, 'logs', text, JSON_CT);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const stored = await rows<{ ts: string; Body: string; SeverityNumber: number }>(
      gs,
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, Body, SeverityNumber
       FROM {db:Identifier}.otel_logs WHERE ServiceName = 'json-ints' ORDER BY SeverityNumber`,
    );
    expect(stored).toEqual([
      { ts: asString, Body: '9007199254740993', SeverityNumber: 9 },
      { ts: asNumber, Body: '42', SeverityNumber: 13 },
    ]);
  });

  it('takes hex ids, integer enums, and ignores unknown fields', async () => {
    const start = nanosAgo(30, 5);
    const body = spanRequest('json-spans', [
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        parentSpanId: '',
        name: 'op',
        kind: 3,
        startTimeUnixNano: start,
        endTimeUnixNano: (BigInt(start) + 2500n).toString(),
        status: { code: 1 },
        someFutureField: { nested: true },
      },
    ]);
    const res = await postOtlp(gs, 'traces', JSON.stringify({ ...body, extra: 1 }), JSON_CT);
    expect(res.status).toBe(200);
    const stored = await rows(
      gs,
      `SELECT TraceId, SpanId, SpanKind, StatusCode, Duration FROM {db:Identifier}.otel_traces WHERE ServiceName = 'json-spans'`,
    );
    expect(stored).toEqual([
      {
        TraceId: TRACE_ID,
        SpanId: SPAN_ID,
        SpanKind: 'SPAN_KIND_CLIENT',
        StatusCode: 'STATUS_CODE_OK',
        Duration: 2500,
      },
    ]);
  });

  it("takes fields by their proto names too, as protobuf's JSON mapping does", async () => {
    const start = nanosAgo(30, 7);
    const spans = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 'snake-scope' },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: '',
                  name: 'snake-op',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: start,
                  end_time_unix_nano: (BigInt(start) + 1500n).toString(),
                  attributes: [{ key: 'n', value: { int_value: '7' } }],
                  status: { code: 2, message: 'failed' },
                  // Both names of one field: the lowerCamelCase one wins.
                  dropped_events_count: 5,
                  droppedEventsCount: 3,
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await postOtlp(gs, 'traces', JSON.stringify(spans), JSON_CT);
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({});
    expect(
      await rows(
        gs,
        `SELECT TraceId, SpanId, SpanName, SpanKind, ScopeName, SpanAttributes, StatusCode,
           StatusMessage, Duration, DroppedEventsCount
         FROM {db:Identifier}.otel_traces WHERE ServiceName = 'snake'`,
      ),
    ).toEqual([
      {
        TraceId: TRACE_ID,
        SpanId: SPAN_ID,
        SpanName: 'snake-op',
        SpanKind: 'SPAN_KIND_SERVER',
        ScopeName: 'snake-scope',
        SpanAttributes: { n: '7' },
        StatusCode: 'STATUS_CODE_ERROR',
        StatusMessage: 'failed',
        Duration: 1500,
        DroppedEventsCount: 3,
      },
    ]);
    const logs = logRequest('snake', [
      {
        time_unix_nano: start,
        observed_time_unix_nano: start,
        severity_number: 17,
        severity_text: 'ERROR',
        event_name: 'snake.event',
        body: { kvlist_value: { values: [{ key: 'k', value: { bool_value: true } }] } },
      },
    ]);
    expect((await postOtlp(gs, 'logs', JSON.stringify(logs), JSON_CT)).status).toBe(200);
    expect(
      await rows(
        gs,
        `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, SeverityNumber, SeverityText,
           EventName, Body
         FROM {db:Identifier}.otel_logs WHERE ServiceName = 'snake'`,
      ),
    ).toEqual([
      {
        ts: start,
        SeverityNumber: 17,
        SeverityText: 'ERROR',
        EventName: 'snake.event',
        Body: '{"k":true}',
      },
    ]);
  });

  it('stores a span kind or status code outside its enum as empty, as the exporter does', async () => {
    const start = nanosAgo(30, 8);
    const body = spanRequest('odd-enums', [
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        name: 'odd',
        kind: 99,
        startTimeUnixNano: start,
        endTimeUnixNano: (BigInt(start) + 1000n).toString(),
        status: { code: 7 },
      },
    ]);
    expect((await postOtlp(gs, 'traces', JSON.stringify(body), JSON_CT)).status).toBe(200);
    expect(
      await rows(
        gs,
        `SELECT SpanKind, StatusCode FROM {db:Identifier}.otel_traces WHERE ServiceName = 'odd-enums'`,
      ),
    ).toEqual([{ SpanKind: '', StatusCode: '' }]);
  });

  it('rejects times from 2106-02-07 on, which the roll-ups would wrap round', async () => {
    const y2200 = '7258118400000000000';
    const spans = spanRequest('far-future', [
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        name: 'later',
        startTimeUnixNano: y2200,
        endTimeUnixNano: y2200,
      },
    ]);
    const sent = await postOtlp(gs, 'traces', JSON.stringify(spans), JSON_CT);
    expect(((await sent.json()) as { partialSuccess: unknown }).partialSuccess).toEqual({
      rejectedSpans: '1',
      errorMessage: 'span start_time_unix_nano is missing or out of range (1 item)',
    });
    const logs = logRequest('far-future', [{ timeUnixNano: y2200, body: { stringValue: 'x' } }]);
    const logged = await postOtlp(gs, 'logs', JSON.stringify(logs), JSON_CT);
    expect(((await logged.json()) as { partialSuccess: unknown }).partialSuccess).toEqual({
      rejectedLogRecords: '1',
      errorMessage: 'log record time_unix_nano is out of range (1 item)',
    });
    expect(
      await rows(gs, `SELECT 1 FROM {db:Identifier}.otel_traces WHERE ServiceName = 'far-future'`),
    ).toEqual([]);
  });

  it('stores optional ids of all zeros as absent, as the exporter does', async () => {
    // OTLP takes an id of all zeros for none: a parent span id of zeros is a root span, a
    // log record's zero trace and span ids are no trace.
    const start = nanosAgo(30, 6);
    const zeroSpan = '0'.repeat(16);
    const zeroTrace = '0'.repeat(32);
    const spans = spanRequest('zero-ids', [
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        parentSpanId: zeroSpan,
        name: 'root',
        startTimeUnixNano: start,
        endTimeUnixNano: (BigInt(start) + 1000n).toString(),
        links: [{ traceId: zeroTrace, spanId: zeroSpan }],
      },
    ]);
    const sent = await postOtlp(gs, 'traces', JSON.stringify(spans), JSON_CT);
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({});
    const logs = logRequest('zero-ids', [
      {
        timeUnixNano: start,
        body: { stringValue: 'no trace' },
        traceId: zeroTrace,
        spanId: zeroSpan,
      },
    ]);
    expect((await postOtlp(gs, 'logs', JSON.stringify(logs), JSON_CT)).status).toBe(200);
    expect(
      await rows(
        gs,
        `SELECT ParentSpanId, Links.TraceId AS lt, Links.SpanId AS ls FROM {db:Identifier}.otel_traces
        WHERE ServiceName = 'zero-ids'`,
      ),
    ).toEqual([{ ParentSpanId: '', lt: [''], ls: [''] }]);
    expect(
      await rows(
        gs,
        `SELECT TraceId, SpanId FROM {db:Identifier}.otel_logs WHERE ServiceName = 'zero-ids'`,
      ),
    ).toEqual([{ TraceId: '', SpanId: '' }]);
  });

  it('answers an empty request with an empty response', async () => {
    for (const body of ['{}', JSON.stringify({ resourceSpans: [] })]) {
      const res = await postOtlp(gs, 'traces', body, JSON_CT);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
  });

  it('stores the valid items and reports invalid ids as partial success', async () => {
    const t = nanosAgo(20);
    const body = logRequest('partial', [
      { timeUnixNano: t, body: { stringValue: 'good' }, traceId: TRACE_ID, spanId: SPAN_ID },
      { timeUnixNano: t, body: { stringValue: 'short trace id' }, traceId: 'abcd' },
      { timeUnixNano: t, body: { stringValue: 'not hex' }, traceId: 'zz'.repeat(16) },
      { timeUnixNano: t, body: { stringValue: 'also good' } },
    ]);
    const res = await postOtlp(gs, 'logs', JSON.stringify(body), JSON_CT);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('2');
    expect(answer.partialSuccess.errorMessage).toContain('trace_id must be empty or 16 bytes');
    const stored = await rows<{ Body: string }>(
      gs,
      `SELECT Body FROM {db:Identifier}.otel_logs WHERE ServiceName = 'partial' ORDER BY Body`,
    );
    expect(stored.map((r) => r.Body)).toEqual(['also good', 'good']);
  });

  it('answers invalid JSON with 400 and a google.rpc.Status, writing nothing', async () => {
    const before = await count(gs, 'otel_logs');
    for (const body of ['{"resourceLogs": [', '[1,2]', '{"resourceLogs": 5}']) {
      const res = await postOtlp(gs, 'logs', body, JSON_CT);
      expect(res.status, body).toBe(400);
      const status = (await res.json()) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message.length).toBeGreaterThan(0);
    }
    expect(await count(gs, 'otel_logs')).toBe(before);
  });

  it('answers JSON nested deeper than it reads with 400, writing nothing', async () => {
    const before = await count(gs, 'otel_logs');
    const deep = (n: number) =>
      '{"arrayValue":{"values":['.repeat(n) + '{"stringValue":"x"}' + ']}}'.repeat(n);
    const unknown = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const bodies = [
      JSON.stringify(logRequest('deep-json', [{ timeUnixNano: nanosAgo(10) }])).replace(
        '"timeUnixNano"',
        `"body":${deep(20_000)},"timeUnixNano"`,
      ),
      `{"zz":${unknown(100_000)},"resourceLogs":[]}`,
    ];
    for (const body of bodies) {
      const res = await postOtlp(gs, 'logs', body, JSON_CT);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(
        /nested too deeply|max depth exceeded/,
      );
    }
    expect(await count(gs, 'otel_logs')).toBe(before);
  });

  it('answers a value its field cannot hold with 400 naming it, writing nothing', async () => {
    const before = await count(gs, 'otel_logs');
    const t = nanosAgo(10);
    const cases: [Record<string, unknown>, string][] = [
      [{ timeUnixNano: `${t}abc` }, 'timeUnixNano'],
      [{ timeUnixNano: t, attributes: [{ key: 'k', value: { boolValue: 'false' } }] }, 'boolValue'],
      [{ timeUnixNano: t, attributes: [{ key: 'k', value: { intValue: '1.9' } }] }, 'intValue'],
    ];
    for (const [record, field] of cases) {
      const body = logRequest('strict-json', [
        { body: { stringValue: 'ok' }, timeUnixNano: t },
        record,
      ]);
      const res = await postOtlp(gs, 'logs', JSON.stringify(body), JSON_CT);
      expect(res.status, field).toBe(400);
      const status = (await res.json()) as {
        code: number;
        message: string;
        details: { '@type': string; fieldViolations: { field: string; description: string }[] }[];
      };
      expect(status.code).toBe(3);
      expect(status.message).toContain(`logRecords[1].`);
      expect(status.message).toContain(field);
      // The field at fault, in a google.rpc.BadRequest as OTLP asks.
      expect(status.details).toHaveLength(1);
      expect(status.details[0]!['@type']).toBe('type.googleapis.com/google.rpc.BadRequest');
      const [violation] = status.details[0]!.fieldViolations;
      expect(violation!.field).toMatch(
        new RegExp(`^resourceLogs\\[0\\]\\.scopeLogs\\[0\\]\\.logRecords\\[1\\]\\..*${field}$`),
      );
      expect(violation!.description.length).toBeGreaterThan(0);
    }
    expect(await count(gs, 'otel_logs')).toBe(before);
  });
});

describe('OTLP/HTTP protobuf', () => {
  it('merges a resource or scope given twice in one group, as protobuf does', async () => {
    // Protobuf merges a message field that comes more than once: a group's resource (or
    // scope) sent in two pieces is one resource with what both hold.
    const logs = REQUEST_TYPES.logs;
    const ResourceLogs = logs.lookupType('opentelemetry.proto.logs.v1.ResourceLogs');
    const ScopeLogs = logs.lookupType('opentelemetry.proto.logs.v1.ScopeLogs');
    const encode = (type: protobuf.Type, value: object) =>
      type.encode(type.fromObject(value)).finish();
    const text = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const scope = Buffer.concat([
      encode(ScopeLogs, {
        scope: { name: 'merged-scope' },
        logRecords: [{ timeUnixNano: nanosAgo(30), body: { stringValue: 'one' } }],
      }),
      encode(ScopeLogs, { scope: { version: '2.0' } }),
    ]);
    const group = Buffer.concat([
      encode(ResourceLogs, { resource: { attributes: [text('service.name', 'merged')] } }),
      protobuf.Writer.create()
        .uint32((2 << 3) | 2)
        .bytes(scope)
        .finish(),
      encode(ResourceLogs, { resource: { attributes: [text('region', 'eu')] } }),
    ]);
    const request = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(group)
      .finish();
    const sent = await postOtlp(gs, 'logs', request, PROTO);
    expect(sent.status).toBe(200);
    expect(
      await rows(
        gs,
        `SELECT ServiceName, ResourceAttributes, ScopeName, ScopeVersion, Body
         FROM {db:Identifier}.otel_logs WHERE ResourceAttributes['region'] = 'eu'`,
      ),
    ).toEqual([
      {
        ServiceName: 'merged',
        ResourceAttributes: { 'service.name': 'merged', region: 'eu' },
        ScopeName: 'merged-scope',
        ScopeVersion: '2.0',
        Body: 'one',
      },
    ]);
  });

  it('accepts a gzip-compressed body', async () => {
    const req = REQUEST_TYPES.logs.fromObject(
      logRequest('gzip-proto', [{ timeUnixNano: nanosAgo(10), body: { stringValue: 'zipped' } }]),
    );
    const bytes = REQUEST_TYPES.logs.encode(req).finish();
    const res = await postOtlp(gs, 'logs', gzipSync(bytes), {
      ...PROTO,
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = RESPONSE_TYPES.logs.decode(new Uint8Array(await res.arrayBuffer())) as {
      partialSuccess?: unknown;
    };
    expect(decoded.partialSuccess ?? null).toBeNull();
    expect(
      await rows(gs, `SELECT Body FROM {db:Identifier}.otel_logs WHERE ServiceName = 'gzip-proto'`),
    ).toEqual([{ Body: 'zipped' }]);
  });

  it('answers an empty body with an empty response', async () => {
    const res = await postOtlp(gs, 'metrics', new Uint8Array(0), PROTO);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers garbage with 400 and a google.rpc.Status, writing nothing', async () => {
    const before = await count(gs, 'otel_traces');
    const garbage = Buffer.from('this is not protobuf at all \xff\xff\xff\xff', 'latin1');
    const res = await postOtlp(gs, 'traces', garbage, PROTO);
    expect(res.status).toBe(400);
    const status = StatusType.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a valid OTLP protobuf message/);
    expect(await count(gs, 'otel_traces')).toBe(before);
  });

  it('answers a packed field that is not a whole number of items with 400', async () => {
    // A histogram point whose packed bucket counts hold half a fixed64, followed by a field
    // of its own: read on, the counts would take that field's bytes.
    const W = () => protobuf.Writer.create();
    const now = BigInt(Date.now()) * 1_000_000n;
    const point = W()
      .uint32((3 << 3) | 1)
      .fixed64(now.toString())
      .uint32((4 << 3) | 1)
      .fixed64(1)
      .uint32((6 << 3) | 2)
      .bytes(Uint8Array.of(1, 0, 0, 0))
      // Four bytes, as the rest of a fixed64 would be: tag 15 and a varint of three.
      .uint32((15 << 3) | 0)
      .uint32(16384)
      .finish();
    const metric = W()
      .uint32((1 << 3) | 2)
      .string('packed.half')
      .uint32((9 << 3) | 2)
      .bytes(lenField(1, point))
      .finish();
    const request = oneItemRequest(metric);
    const before = await count(gs, 'otel_metrics_histogram');
    const res = await postOtlp(gs, 'metrics', request, PROTO);
    expect(res.status).toBe(400);
    const status = StatusType.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      message: string;
    };
    expect(status.message).toMatch(/not a valid OTLP protobuf message: truncated fixed32/);
    expect(await count(gs, 'otel_metrics_histogram')).toBe(before);
  });

  it('answers an array or map value nested too deeply, or not UTF-8, with 400', async () => {
    // An AnyValue holding `inner` in an array (AnyValue 5, ArrayValue 1), `levels` times over.
    const nest = (inner: Uint8Array, levels: number) => {
      let v = inner;
      for (let i = 0; i < levels; i++) v = lenField(5, lenField(1, v));
      return v;
    };
    const text = (bytes: Uint8Array) => lenField(1, bytes);
    const logWithBody = (body: Uint8Array) =>
      oneItemRequest(
        protobuf.Writer.create()
          .uint32((1 << 3) | 1)
          .fixed64(nanosAgo(20))
          .uint32((5 << 3) | 2)
          .bytes(body)
          .finish(),
      );
    const before = await count(gs, 'otel_logs');
    const cases: [Uint8Array, RegExp][] = [
      [nest(text(Buffer.from('deep')), 60), /an array or map value: max depth exceeded/],
      [nest(text(Uint8Array.of(0x61, 0xff, 0xfe)), 2), /an array or map value: /],
    ];
    for (const [body, message] of cases) {
      const res = await postOtlp(gs, 'logs', logWithBody(body), PROTO);
      expect(res.status).toBe(400);
      const status = StatusType.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
        message: string;
      };
      expect(status.message).toMatch(message);
    }
    // Nested as deep as protobuf reads, it is stored.
    const ok = await postOtlp(gs, 'logs', logWithBody(nest(text(Buffer.from('ok')), 40)), PROTO);
    expect(ok.status).toBe(200);
    expect(await count(gs, 'otel_logs')).toBe(before + 1);
  });

  it('answers a body that claims gzip but is not with 400', async () => {
    const res = await postOtlp(gs, 'logs', Buffer.from('plain'), {
      ...PROTO,
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(400);
  });

  it('refuses other content types and codings with 415 and a google.rpc.Status', async () => {
    const status = async (res: Response) =>
      StatusType.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
        message: string;
      };
    const plain = await postOtlp(gs, 'logs', 'x', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await status(plain)).message).toMatch(/Content-Type must be/);
    const brotli = await postOtlp(gs, 'logs', 'x', { ...PROTO, 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(brotli.headers.get('accept-encoding')).toBe('gzip, deflate, identity');
    expect((await status(brotli)).message).toBe('unsupported Content-Encoding: br');
  });

  it('answers other methods on an export path with 405 and Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${urls(gs).http}/v1/traces`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    }
    // A request that says it is JSON hears in JSON, as every other answer does.
    const json = await fetch(`${urls(gs).http}/v1/metrics`, { method: 'PUT', headers: JSON_CT });
    expect(json.status).toBe(405);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toMatchObject({ code: 3, message: 'PUT is not allowed; use POST' });
  });

  it('answers in the media type of the request', async () => {
    const req = REQUEST_TYPES.logs.fromObject(
      logRequest('media-type', [{ timeUnixNano: nanosAgo(10), body: { stringValue: 'x' } }]),
    );
    const body = REQUEST_TYPES.logs.encode(req).finish();
    for (const type of ['application/protobuf', 'application/x-protobuf']) {
      const res = await postOtlp(gs, 'logs', body, { 'content-type': type });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
    }
  });

  it('stores a summary metric with its quantiles', async () => {
    const t = nanosAgo(5, 1);
    const req = REQUEST_TYPES.metrics.fromObject({
      resourceMetrics: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'summary-svc' } }],
          },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'rpc.duration',
                  unit: 's',
                  summary: {
                    dataPoints: [
                      {
                        timeUnixNano: t,
                        startTimeUnixNano: nanosAgo(65),
                        count: '10',
                        sum: 4.5,
                        quantileValues: [
                          { quantile: 0.5, value: 0.3 },
                          { quantile: 0.99, value: 1.2 },
                        ],
                        attributes: [{ key: 'method', value: { stringValue: 'Bid' } }],
                      },
                    ],
                  },
                },
                // A point with no time cannot be stored and is reported.
                { name: 'no.time', gauge: { dataPoints: [{ asDouble: 1 }] } },
              ],
            },
          ],
        },
      ],
    });
    const res = await postOtlp(gs, 'metrics', REQUEST_TYPES.metrics.encode(req).finish(), PROTO);
    expect(res.status).toBe(200);
    const answer = RESPONSE_TYPES.metrics.toObject(
      RESPONSE_TYPES.metrics.decode(new Uint8Array(await res.arrayBuffer())),
      { longs: String },
    ) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/time_unix_nano is missing/);
    const stored = await rows(
      gs,
      `SELECT toFloat64(Count) AS Count, Sum, ValueAtQuantiles.Quantile AS q, ValueAtQuantiles.Value AS v, Attributes, toString(toUnixTimestamp64Nano(TimeUnix)) AS t
       FROM {db:Identifier}.otel_metrics_summary WHERE ServiceName = 'summary-svc'`,
    );
    expect(stored).toEqual([
      { Count: 10, Sum: 4.5, q: [0.5, 0.99], v: [0.3, 1.2], Attributes: { method: 'Bid' }, t },
    ]);
  });
  it('rejects points without a value or with unreadable buckets, and keeps the rest', async () => {
    const t = nanosAgo(30);
    const point = (extra: Record<string, unknown>) => ({ timeUnixNano: t, ...extra });
    const body = JSON.stringify({
      resourceMetrics: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'point-checks' } }],
          },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'pc.gauge',
                  gauge: {
                    dataPoints: [
                      point({ attributes: [{ key: 'k', value: { stringValue: 'none' } }] }),
                      // Marked as having no recorded value: kept, as the exporter sent it.
                      point({
                        flags: 1,
                        attributes: [{ key: 'k', value: { stringValue: 'flagged' } }],
                      }),
                      point({
                        asDouble: 2.5,
                        attributes: [{ key: 'k', value: { stringValue: 'ok' } }],
                        exemplars: [{ timeUnixNano: t }],
                      }),
                    ],
                  },
                },
                {
                  name: 'pc.sum',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [point({ startTimeUnixNano: nanosAgo(90) })],
                  },
                },
                {
                  name: 'pc.hist',
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      point({ count: '3', explicitBounds: [1, 2] }),
                      point({ count: '3', bucketCounts: ['1', '1', '1'], explicitBounds: [2, 1] }),
                      point({ count: '3', bucketCounts: ['1', '1', '1'], explicitBounds: [1, 1] }),
                      point({ count: '3', bucketCounts: ['1', '2'], explicitBounds: [1] }),
                      point({ count: '3' }),
                    ],
                  },
                },
                {
                  name: 'pc.exp',
                  exponentialHistogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      point({ count: '1', scale: 21, positive: { bucketCounts: ['1'] } }),
                      // Indexes 2147483646 to 2147483649: past 32 bits.
                      point({
                        count: '4',
                        positive: { offset: 2147483646, bucketCounts: ['1', '1', '1', '1'] },
                      }),
                      point({
                        count: '2',
                        positive: { offset: 2147483646, bucketCounts: ['1', '1'] },
                      }),
                    ],
                  },
                },
                {
                  name: 'pc.summary',
                  summary: {
                    dataPoints: [
                      point({ count: '1', sum: 1, quantileValues: [{ quantile: 7, value: 1 }] }),
                      point({ count: '1', sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] }),
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await postOtlp(gs, 'metrics', body, JSON_CT);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('8');
    for (const why of [
      'exponential histogram scale must be -10 to 20 (1 item)',
      'exponential histogram bucket indexes (offset and counts) must fit in 32 bits (1 item)',
      // The sixth kind, the summary's quantile, is past the five a message names.
      'and 1 more kinds',
    ]) {
      expect(answer.partialSuccess.errorMessage).toContain(why);
    }
    const kept = await rows(
      gs,
      `SELECT PositiveOffset AS o, length(PositiveBucketCounts) AS n
       FROM {db:Identifier}.otel_metrics_exponential_histogram WHERE ServiceName = 'point-checks'`,
    );
    expect(kept).toEqual([{ o: 2147483646, n: 2 }]);
    const summaries = await rows(
      gs,
      `SELECT ValueAtQuantiles.Quantile AS q
       FROM {db:Identifier}.otel_metrics_summary WHERE ServiceName = 'point-checks'`,
    );
    expect(summaries).toEqual([{ q: [0.5] }]);
    expect(answer.partialSuccess.errorMessage).toContain(
      'metric data point has no value (as_double or as_int) (2 items)',
    );
    expect(answer.partialSuccess.errorMessage).toContain(
      'histogram explicit_bounds must increase strictly (2 items)',
    );
    expect(answer.partialSuccess.errorMessage).toMatch(
      /one more element than explicit_bounds.*\(1 item/,
    );
    const gauges = await rows(
      gs,
      `SELECT Attributes['k'] AS k, Value, Flags, arrayMap(v -> isNaN(v), Exemplars.Value) AS ev
       FROM {db:Identifier}.otel_metrics_gauge WHERE ServiceName = 'point-checks' ORDER BY k`,
    );
    expect(gauges).toEqual([
      { k: 'flagged', Value: 0, Flags: 1, ev: [] },
      { k: 'ok', Value: 2.5, Flags: 0, ev: [1] },
    ]);
    const hist = await rows(
      gs,
      `SELECT length(BucketCounts) AS n FROM {db:Identifier}.otel_metrics_histogram
       WHERE ServiceName = 'point-checks' ORDER BY n`,
    );
    expect(hist).toEqual([{ n: 0 }, { n: 2 }]);
    expect(
      await rows(
        gs,
        `SELECT 1 FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'point-checks'`,
      ),
    ).toEqual([]);
  });
  it('keeps the last value of an attribute key given twice, in every map', async () => {
    const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const t = nanosAgo(20);
    const resource = {
      attributes: [kv('service.name', 'first-svc'), kv('r', '1'), kv('service.name', 'dup-svc')],
    };
    const logs = JSON.stringify({
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              scope: { name: 's', attributes: [kv('a', 'x'), kv('a', 'y')] },
              logRecords: [
                {
                  timeUnixNano: t,
                  body: { stringValue: 'dup' },
                  attributes: [kv('k', 'first'), kv('z', 'z'), kv('k', 'second'), kv('k', 'third')],
                },
              ],
            },
          ],
        },
      ],
    });
    expect((await postOtlp(gs, 'logs', logs, JSON_CT)).status).toBe(200);
    const metrics = JSON.stringify({
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'dup.gauge',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: t,
                        asDouble: 1,
                        attributes: [kv('m', '1'), kv('b', 'b'), kv('m', '2')],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    expect((await postOtlp(gs, 'metrics', metrics, JSON_CT)).status).toBe(200);
    const log = await rows(
      gs,
      `SELECT ServiceName, mapKeys(LogAttributes) AS keys, LogAttributes['k'] AS k,
         ResourceAttributes AS res, ScopeAttributes AS scope
       FROM {db:Identifier}.otel_logs WHERE Body = 'dup'`,
    );
    expect(log).toEqual([
      {
        ServiceName: 'dup-svc',
        keys: ['z', 'k'],
        k: 'third',
        res: { r: '1', 'service.name': 'dup-svc' },
        scope: { a: 'y' },
      },
    ]);
    const point = await rows(
      gs,
      `SELECT ServiceName, mapKeys(Attributes) AS keys, Attributes['m'] AS m
       FROM {db:Identifier}.otel_metrics_gauge WHERE MetricName = 'dup.gauge'`,
    );
    expect(point).toEqual([{ ServiceName: 'dup-svc', keys: ['b', 'm'], m: '2' }]);
  });
});

describe('OTLP/gRPC', () => {
  it('answers undecodable bytes with INVALID_ARGUMENT, writing nothing', async () => {
    const before = await count(gs, 'otel_logs');
    const reply = await grpcExport(
      urls(gs).grpc,
      'logs',
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    );
    expect(reply.error?.code).toBe(3);
    expect(await count(gs, 'otel_logs')).toBe(before);
  });

  it('answers an empty request with an empty response', async () => {
    const reply = await grpcExport(urls(gs).grpc, 'traces', new Uint8Array(0));
    expect(reply.error).toBeNull();
    expect(reply.response?.length).toBe(0);
  });

  it('reports invalid spans as partial success', async () => {
    const start = nanosAgo(15);
    const req = REQUEST_TYPES.traces.fromObject(
      spanRequest('grpc-partial', [
        {
          traceId: Buffer.from(TRACE_ID, 'hex'),
          spanId: Buffer.from(SPAN_ID, 'hex'),
          name: 'ok',
          startTimeUnixNano: start,
          endTimeUnixNano: start,
        },
        {
          traceId: Buffer.alloc(16),
          spanId: Buffer.from(SPAN_ID, 'hex'),
          name: 'zero trace id',
          startTimeUnixNano: start,
          endTimeUnixNano: start,
        },
        {
          traceId: Buffer.from(TRACE_ID, 'hex'),
          spanId: Buffer.from(SPAN_ID, 'hex'),
          name: 'ends before start',
          startTimeUnixNano: start,
          endTimeUnixNano: '1',
        },
        {
          traceId: Buffer.from(TRACE_ID, 'hex'),
          spanId: Buffer.from(SPAN_ID, 'hex'),
          name: 'ends after 2262',
          startTimeUnixNano: start,
          endTimeUnixNano: '18446744073709551615',
        },
      ]),
    );
    const reply = await grpcExport(
      urls(gs).grpc,
      'traces',
      REQUEST_TYPES.traces.encode(req).finish(),
    );
    expect(reply.error).toBeNull();
    const answer = RESPONSE_TYPES.traces.toObject(RESPONSE_TYPES.traces.decode(reply.response!), {
      longs: String,
    }) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedSpans).toBe('3');
    expect(answer.partialSuccess.errorMessage).toMatch(/trace_id must be 16 bytes/);
    expect(answer.partialSuccess.errorMessage).toMatch(
      /end_time_unix_nano is before its start \(1 item/,
    );
    expect(answer.partialSuccess.errorMessage).toMatch(
      /end_time_unix_nano is out of range \(1 item/,
    );
    expect(
      await rows(
        gs,
        `SELECT SpanName FROM {db:Identifier}.otel_traces WHERE ServiceName = 'grpc-partial'`,
      ),
    ).toEqual([{ SpanName: 'ok' }]);
  });
});

describe('retention', () => {
  it('refuses items older than the retention period instead of acknowledging and dropping them', async () => {
    // The default retention keeps logs 30 days.
    const old = (BigInt(Math.floor(Date.now() / 1000) - 31 * 86_400) * 1_000_000_000n).toString();
    const body = logRequest('too-old', [
      { timeUnixNano: old, body: { stringValue: 'expired' } },
      { timeUnixNano: nanosAgo(60), body: { stringValue: 'fresh' } },
    ]);
    const res = await postOtlp(gs, 'logs', JSON.stringify(body), JSON_CT);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(answer.partialSuccess).toEqual({
      rejectedLogRecords: '1',
      errorMessage: 'log record time is older than the retention period (1 item)',
    });
    expect(
      await rows(gs, `SELECT Body FROM {db:Identifier}.otel_logs WHERE ServiceName = 'too-old'`),
    ).toEqual([{ Body: 'fresh' }]);
  });
});
