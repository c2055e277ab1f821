/**
 * Realistic OTLP export requests for the benchmark: log records with about ten attributes,
 * spans with fifteen attributes and one event, and a metric mix of gauges, monotonic sums
 * and explicit-bucket histograms, spread over a fixed set of thirty services. Requests are
 * encoded once, before any timing, so generating them is never measured.
 */
import { REQUEST_TYPES, type Signal } from '../src/ingest/otlp/proto.js';
import { Random } from './random.js';
import {
  AGENTS,
  bool,
  DB_OPS,
  dbl,
  ERRORS,
  instances,
  int,
  METHODS,
  nanos,
  ROUTES,
  SERVICES,
  SEVERITIES,
  STATUSES,
  str,
  TABLES,
  type ServiceInstance,
} from './vocabulary.js';

/** One pre-encoded export request and the number of items (records, spans, points) it holds. */
export interface PooledRequest {
  body: Buffer;
  items: number;
  /**
   * Where the trace and span ids lie in `body`, as offset and length pairs, so a sender can
   * give each send ids of its own (see withFreshIds). Only pools built with `idRanges`.
   */
  idRanges?: Int32Array;
}

export interface Pool {
  signal: Signal;
  requests: PooledRequest[];
}

export interface PoolOptions {
  /** Records, spans or data points per request. */
  itemsPerRequest: number;
  requests: number;
  seed: number;
  /** Wall-clock time the generated timestamps lead up to, in epoch milliseconds. */
  nowMs: number;
  /** Record where each request's ids lie, for withFreshIds. */
  idRanges?: boolean;
}

/** Splits a request's items over five resources (several services per request, as a collector sends). */
function perResource(total: number): number[] {
  const groups = Math.min(5, total);
  const base = Math.floor(total / groups);
  return Array.from({ length: groups }, (_, i) => (i < total % groups ? base + 1 : base));
}

function logRecord(rnd: Random, nowMs: number): Record<string, unknown> {
  const [severityNumber, severityText] = rnd.pick(SEVERITIES);
  const route = rnd.pick(ROUTES);
  const method = rnd.pick(METHODS);
  const status = rnd.pick(STATUSES);
  const ms = Math.round(rnd.logNormal(40, 1.2) * 100) / 100;
  const user = `user-${rnd.int(1, 50_000)}`;
  const t = nowMs - rnd.next() * 60_000;
  const body =
    severityNumber >= 17
      ? `${method} ${route} failed: ${rnd.pick(ERRORS)} after ${ms} ms (attempt ${rnd.int(1, 3)}, order ${rnd.hex(6)})`
      : `${method} ${route.replace('{id}', String(rnd.int(1, 99_999)))} completed with status ${status} in ${ms} ms for ${user}`;
  return {
    timeUnixNano: nanos(t),
    observedTimeUnixNano: nanos(t + rnd.next() * 50),
    severityNumber,
    severityText,
    body: { stringValue: body },
    attributes: [
      str('http.request.method', method),
      str('http.route', route),
      int('http.response.status_code', status),
      str('url.path', route.replace('{id}', String(rnd.int(1, 99_999)))),
      str('client.address', `10.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`),
      str('user_agent.original', rnd.pick(AGENTS)),
      str('code.function.name', rnd.pick(['handle', 'process', 'serve', 'dispatch', 'render'])),
      int('thread.id', rnd.int(1, 256)),
      dbl('duration_ms', ms),
      str('enduser.id', user),
    ],
    traceId: rnd.bytes(16),
    spanId: rnd.bytes(8),
    flags: 1,
  };
}

/** Spans in traces of up to eight: a server root and its children, each with one event. */
function spans(
  rnd: Random,
  count: number,
  nowMs: number,
  service: string,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  while (out.length < count) {
    const traceId = rnd.bytes(16);
    const rootId = rnd.bytes(8);
    const size = Math.min(rnd.int(2, 8), count - out.length);
    const rootStart = nowMs - rnd.next() * 60_000;
    for (let i = 0; i < size; i++) {
      const start = rootStart + (i === 0 ? 0 : rnd.next() * 20);
      const duration = rnd.logNormal(i === 0 ? 60 : 8, 1.1);
      const status = rnd.pick(STATUSES);
      const failed = status >= 500;
      const route = rnd.pick(ROUTES);
      const method = rnd.pick(METHODS);
      out.push({
        traceId,
        spanId: i === 0 ? rootId : rnd.bytes(8),
        parentSpanId: i === 0 ? Buffer.alloc(0) : rootId,
        name:
          i === 0
            ? `${method} ${route}`
            : rnd.pick([
                `SELECT ${rnd.pick(TABLES)}`,
                `GET ${rnd.pick(SERVICES)}`,
                'cache.get',
                'publish order.created',
              ]),
        kind: i === 0 ? 2 : rnd.pick([1, 3, 3, 4]),
        flags: 0x101,
        startTimeUnixNano: nanos(start),
        endTimeUnixNano: nanos(start + duration),
        attributes: [
          str('http.request.method', method),
          str('http.route', route),
          int('http.response.status_code', status),
          str(
            'url.full',
            `https://${service}.shop.internal${route.replace('{id}', String(rnd.int(1, 99_999)))}`,
          ),
          str('url.scheme', 'https'),
          str('server.address', `${service}.shop.internal`),
          int('server.port', 8080),
          str('network.protocol.version', rnd.pick(['1.1', '2'])),
          str('user_agent.original', rnd.pick(AGENTS)),
          str('client.address', `10.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`),
          str('db.system.name', rnd.pick(['postgresql', 'redis', 'mongodb'])),
          str('db.operation.name', rnd.pick(DB_OPS)),
          str('db.collection.name', rnd.pick(TABLES)),
          int('messaging.batch.message_count', rnd.int(0, 50)),
          bool('app.cache.hit', rnd.chance(0.7)),
        ],
        events: [
          failed
            ? {
                timeUnixNano: nanos(start + duration * 0.9),
                name: 'exception',
                attributes: [
                  str('exception.type', rnd.pick(ERRORS)),
                  str(
                    'exception.message',
                    `request ${rnd.hex(6)} failed after ${rnd.int(1, 3)} attempts`,
                  ),
                ],
              }
            : {
                timeUnixNano: nanos(start + duration * 0.5),
                name: 'cache.lookup',
                attributes: [
                  str('cache.key', `${rnd.pick(TABLES)}:${rnd.int(1, 99_999)}`),
                  bool('cache.hit', rnd.chance(0.7)),
                ],
              },
        ],
        status: failed ? { code: 2, message: 'upstream error' } : { code: rnd.chance(0.5) ? 1 : 0 },
      });
    }
  }
  return out;
}

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface MetricDef {
  name: string;
  unit: string;
  kind: 'gauge' | 'sum' | 'updown' | 'histogram';
}

/** Four gauges, three sums and three histograms: roughly 40/30/30 of the points. */
const METRICS: readonly MetricDef[] = [
  { name: 'process.memory.usage', unit: 'By', kind: 'gauge' },
  { name: 'system.cpu.utilization', unit: '1', kind: 'gauge' },
  { name: 'jvm.thread.count', unit: '{thread}', kind: 'gauge' },
  { name: 'queue.depth', unit: '{message}', kind: 'gauge' },
  { name: 'http.server.request.count', unit: '{request}', kind: 'sum' },
  { name: 'process.cpu.time', unit: 's', kind: 'sum' },
  { name: 'db.client.connection.count', unit: '{connection}', kind: 'updown' },
  { name: 'http.server.request.duration', unit: 's', kind: 'histogram' },
  { name: 'http.client.request.duration', unit: 's', kind: 'histogram' },
  { name: 'db.client.operation.duration', unit: 's', kind: 'histogram' },
];

function metrics(rnd: Random, points: number, nowMs: number): Record<string, unknown>[] {
  const start = nanos(nowMs - 3_600_000);
  const out: Record<string, unknown>[] = [];
  METRICS.forEach((def, m) => {
    const n = Math.floor(points / METRICS.length) + (m < points % METRICS.length ? 1 : 0);
    if (n === 0) return;
    const dataPoints: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const attributes = [
        str('http.request.method', rnd.pick(METHODS)),
        str('http.route', rnd.pick(ROUTES)),
        int('http.response.status_code', rnd.pick(STATUSES)),
        str('server.address', `${rnd.pick(SERVICES)}.shop.internal`),
      ];
      const time = nanos(nowMs - rnd.next() * 60_000);
      if (def.kind === 'histogram') {
        const counts = BOUNDS.map(() => rnd.int(0, 400)).concat([rnd.int(0, 5)]);
        const count = counts.reduce((a, b) => a + b, 0);
        dataPoints.push({
          attributes,
          startTimeUnixNano: start,
          timeUnixNano: time,
          count,
          sum: count * rnd.logNormal(0.08, 0.8),
          bucketCounts: counts,
          explicitBounds: BOUNDS,
          min: rnd.next() * 0.004,
          max: 1 + rnd.next() * 12,
          exemplars: rnd.chance(0.2)
            ? [
                {
                  timeUnixNano: time,
                  asDouble: rnd.logNormal(0.05, 1),
                  traceId: rnd.bytes(16),
                  spanId: rnd.bytes(8),
                },
              ]
            : [],
        });
      } else if (def.kind === 'sum') {
        dataPoints.push({
          attributes,
          startTimeUnixNano: start,
          timeUnixNano: time,
          asInt: rnd.int(0, 5_000_000),
        });
      } else {
        dataPoints.push({
          attributes,
          startTimeUnixNano: start,
          timeUnixNano: time,
          asDouble: rnd.logNormal(def.kind === 'gauge' ? 500 : 20, 1),
        });
      }
    }
    const head = {
      name: def.name,
      unit: def.unit,
      description: `The ${def.name.replaceAll('.', ' ')}.`,
    };
    if (def.kind === 'gauge') out.push({ ...head, gauge: { dataPoints } });
    else if (def.kind === 'histogram')
      out.push({ ...head, histogram: { dataPoints, aggregationTemporality: 2 } });
    else
      out.push({
        ...head,
        sum: { dataPoints, aggregationTemporality: 2, isMonotonic: def.kind === 'sum' },
      });
  });
  return out;
}

/** One export request of `signal` as a protobufjs plain object. */
function requestObject(
  signal: Signal,
  rnd: Random,
  all: ServiceInstance[],
  items: number,
  nowMs: number,
): Record<string, unknown> {
  const groups = perResource(items).map((n) => ({ n, inst: rnd.pick(all) }));
  const serviceOf = (inst: ServiceInstance) =>
    String(inst.resource.attributes[0]!.value['stringValue']);
  switch (signal) {
    case 'logs':
      return {
        resourceLogs: groups.map(({ n, inst }) => ({
          resource: inst.resource,
          scopeLogs: [
            {
              scope: inst.scope,
              logRecords: Array.from({ length: n }, () => logRecord(rnd, nowMs)),
            },
          ],
        })),
      };
    case 'traces':
      return {
        resourceSpans: groups.map(({ n, inst }) => ({
          resource: inst.resource,
          scopeSpans: [{ scope: inst.scope, spans: spans(rnd, n, nowMs, serviceOf(inst)) }],
        })),
      };
    case 'metrics':
      return {
        resourceMetrics: groups.map(({ n, inst }) => ({
          resource: inst.resource,
          scopeMetrics: [{ scope: inst.scope, metrics: metrics(rnd, n, nowMs) }],
        })),
      };
  }
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Every distinct trace or span id in a request object, however deep, in hex. */
function idsOf(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) idsOf(v, out);
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (ID_FIELDS.has(k) && Buffer.isBuffer(v) && v.length > 0) out.add(v.toString('hex'));
      else idsOf(v, out);
    }
  }
  return out;
}

/**
 * Offsets and lengths of every occurrence of the object's ids in its encoding, found in one
 * pass: an id is a bytes field, so its bytes follow a length byte of 8 or 16. Ids are
 * random, so other bytes matching one by chance are negligible.
 */
function idRanges(obj: unknown, body: Buffer): Int32Array {
  const ids = idsOf(obj, new Set());
  const ranges: number[] = [];
  for (let at = 0; at < body.length; at++) {
    const len = body[at]!;
    if (len !== 8 && len !== 16) continue;
    const start = at + 1;
    if (start + len > body.length) continue;
    if (ids.has(body.toString('hex', start, start + len))) {
      ranges.push(start, len);
      at += len;
    }
  }
  return Int32Array.from(ranges);
}

/**
 * A copy of a pooled request whose trace and span ids are all XORed with `salt` (16 bytes;
 * span ids take its first 8): ids differ from every other send's, while a span's parent
 * and trace still match within the request. The request as pooled without idRanges.
 */
export function withFreshIds(req: PooledRequest, salt: Uint8Array): Buffer {
  if (req.idRanges === undefined) return req.body;
  const out = Buffer.from(req.body);
  const r = req.idRanges;
  for (let i = 0; i < r.length; i += 2) {
    const at = r[i]!;
    const len = r[i + 1]!;
    for (let k = 0; k < len; k++) out[at + k] = out[at + k]! ^ salt[k]!;
  }
  return out;
}

/** Generates and encodes `opts.requests` export requests of one signal. */
export function buildPool(signal: Signal, opts: PoolOptions): Pool {
  const rnd = new Random(opts.seed * 7919 + signal.length);
  const all = instances(new Random(opts.seed));
  const type = REQUEST_TYPES[signal];
  const requests: PooledRequest[] = [];
  for (let i = 0; i < opts.requests; i++) {
    const obj = requestObject(signal, rnd, all, opts.itemsPerRequest, opts.nowMs);
    const body = Buffer.from(type.encode(type.fromObject(obj)).finish());
    requests.push({
      body,
      items: opts.itemsPerRequest,
      ...(opts.idRanges === true ? { idRanges: idRanges(obj, body) } : {}),
    });
  }
  return { signal, requests };
}

/** Total encoded bytes and items of a pool. */
export function poolSize(pool: Pool): { bytes: number; items: number } {
  let bytes = 0;
  let items = 0;
  for (const r of pool.requests) {
    bytes += r.body.length;
    items += r.items;
  }
  return { bytes, items };
}
