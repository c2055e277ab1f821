import { z } from 'zod';

const Attributes = z.record(z.string(), z.string());

/** Percentiles of a latency, in milliseconds; null without calls. */
export const Latency = z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable();

export const TraceSummary = z.object({
  traceId: z.string(),
  rootService: z.string(),
  rootSpan: z.string(),
  services: z.array(z.string()),
  spanCount: z.number().int(),
  errorCount: z.number().int(),
  hasError: z.boolean(),
  startTime: z.string().describe('RFC 3339 with nanoseconds'),
  durationMs: z.number(),
});
export type TraceSummary = z.infer<typeof TraceSummary>;

export const TraceSearchResult = z.object({
  items: z.array(TraceSummary),
  nextCursor: z.string().nullable(),
});
export type TraceSearchResult = z.infer<typeof TraceSearchResult>;

export const SpanKind = z.enum([
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
]);
export const StatusCode = z.enum(['unset', 'ok', 'error']);

export const Span = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string(),
  kind: SpanKind,
  serviceName: z.string(),
  startTime: z.string(),
  startTimeUnixNano: z.string(),
  durationNs: z.string(),
  durationMs: z.number(),
  /** Offset of the start from the trace's start, for drawing. */
  offsetMs: z.number(),
  /** Depth in the span tree: 0 for a root (or a span whose parent is missing). */
  depth: z.number().int(),
  /** True when the span names a parent that is not in the trace. */
  missingParent: z.boolean(),
  status: z.object({ code: StatusCode, message: z.string() }),
  attributes: Attributes,
  resourceAttributes: Attributes,
  scope: z.object({ name: z.string(), version: z.string() }),
  events: z.array(
    z.object({
      time: z.string(),
      timeUnixNano: z.string(),
      name: z.string(),
      attributes: Attributes,
    }),
  ),
  links: z.array(
    z.object({
      traceId: z.string(),
      spanId: z.string(),
      traceState: z.string(),
      attributes: Attributes,
    }),
  ),
  traceState: z.string(),
  flags: z.number().int(),
});
export type Span = z.infer<typeof Span>;

export const Trace = z.object({
  traceId: z.string(),
  startTime: z.string(),
  endTime: z.string(),
  durationMs: z.number(),
  services: z.array(z.string()),
  spanCount: z.number().int(),
  errorCount: z.number().int(),
  /** True when the trace has more spans than one answer carries. */
  truncated: z.boolean(),
  spans: z
    .array(Span)
    .describe('in waterfall order: each span after its parent, siblings by start'),
});
export type Trace = z.infer<typeof Trace>;

const Red = {
  calls: z.number().int(),
  errors: z.number().int(),
  requestRate: z.number().describe('calls per second over the range or step'),
  errorRate: z.number().describe('errors / calls, 0 without calls'),
  latencyMs: Latency,
};

export const ServiceStats = z.object({ service: z.string(), ...Red });
export type ServiceStats = z.infer<typeof ServiceStats>;

export const ServiceList = z.object({ items: z.array(ServiceStats) });

export const ServiceMetrics = z.object({
  service: z.string(),
  stepSeconds: z.number().int(),
  series: z.array(z.object({ time: z.string(), ...Red })),
  operations: z.array(z.object({ operation: z.string(), kind: SpanKind, ...Red })),
});
export type ServiceMetrics = z.infer<typeof ServiceMetrics>;

export const ServiceMap = z.object({
  nodes: z.array(z.object({ service: z.string() })),
  edges: z.array(
    z.object({
      caller: z.string(),
      callee: z.string(),
      calls: z.number().int(),
      errors: z.number().int(),
      errorRate: z.number(),
      p95Ms: z.number(),
    }),
  ),
});
export type ServiceMap = z.infer<typeof ServiceMap>;
