/**
 * Typed views of decoded OTLP requests: the fields the converters read, as protobufjs
 * presents them (camelCase names, Long for 64-bit integers, Uint8Array for bytes, absent
 * fields read as their proto3 defaults).
 */
import type { Uint64Input } from '../../lib/nanos.js';

export interface AnyValue {
  /** Name of the field set in the `value` oneof, if any. */
  readonly value?: string;
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: Uint64Input;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly AnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly KeyValue[] };
  readonly bytesValue?: Uint8Array;
}

export interface KeyValue {
  readonly key: string;
  readonly value?: AnyValue | null;
}

export interface Resource {
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface Scope {
  readonly name?: string;
  readonly version?: string;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

interface ScopeGroup {
  readonly scope?: Scope | null;
  readonly schemaUrl?: string;
}

interface ResourceGroup {
  readonly resource?: Resource | null;
  readonly schemaUrl?: string;
}

export interface SpanEvent {
  readonly timeUnixNano?: Uint64Input;
  readonly name?: string;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface SpanLink {
  readonly traceId?: Uint8Array;
  readonly spanId?: Uint8Array;
  readonly traceState?: string;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
  readonly flags?: number;
}

export interface Span {
  readonly traceId?: Uint8Array;
  readonly spanId?: Uint8Array;
  readonly traceState?: string;
  readonly parentSpanId?: Uint8Array;
  readonly flags?: number;
  readonly name?: string;
  readonly kind?: number;
  readonly startTimeUnixNano?: Uint64Input;
  readonly endTimeUnixNano?: Uint64Input;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
  readonly events?: readonly SpanEvent[];
  readonly droppedEventsCount?: number;
  readonly links?: readonly SpanLink[];
  readonly droppedLinksCount?: number;
  readonly status?: { readonly message?: string; readonly code?: number } | null;
}

export interface TracesRequest {
  readonly resourceSpans?: readonly (ResourceGroup & {
    readonly scopeSpans?: readonly (ScopeGroup & { readonly spans?: readonly Span[] })[];
  })[];
}

export interface LogRecord {
  readonly timeUnixNano?: Uint64Input;
  readonly observedTimeUnixNano?: Uint64Input;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body?: AnyValue | null;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
  readonly flags?: number;
  readonly traceId?: Uint8Array;
  readonly spanId?: Uint8Array;
  readonly eventName?: string;
}

export interface LogsRequest {
  readonly resourceLogs?: readonly (ResourceGroup & {
    readonly scopeLogs?: readonly (ScopeGroup & { readonly logRecords?: readonly LogRecord[] })[];
  })[];
}

export interface Exemplar {
  readonly filteredAttributes?: readonly KeyValue[];
  readonly timeUnixNano?: Uint64Input;
  readonly value?: string;
  readonly asDouble?: number;
  readonly asInt?: Uint64Input;
  readonly spanId?: Uint8Array;
  readonly traceId?: Uint8Array;
}

interface PointBase {
  readonly attributes?: readonly KeyValue[];
  readonly startTimeUnixNano?: Uint64Input;
  readonly timeUnixNano?: Uint64Input;
  readonly flags?: number;
}

export interface NumberDataPoint extends PointBase {
  readonly value?: string;
  readonly asDouble?: number;
  readonly asInt?: Uint64Input;
  readonly exemplars?: readonly Exemplar[];
}

export interface HistogramDataPoint extends PointBase {
  readonly count?: Uint64Input;
  readonly sum?: number | null;
  readonly bucketCounts?: readonly Uint64Input[];
  readonly explicitBounds?: readonly number[];
  readonly exemplars?: readonly Exemplar[];
  readonly min?: number | null;
  readonly max?: number | null;
}

export interface Buckets {
  readonly offset?: number;
  readonly bucketCounts?: readonly Uint64Input[];
}

export interface ExponentialHistogramDataPoint extends PointBase {
  readonly count?: Uint64Input;
  readonly sum?: number | null;
  readonly scale?: number;
  readonly zeroCount?: Uint64Input;
  readonly positive?: Buckets | null;
  readonly negative?: Buckets | null;
  readonly exemplars?: readonly Exemplar[];
  readonly min?: number | null;
  readonly max?: number | null;
  readonly zeroThreshold?: number;
}

export interface SummaryDataPoint extends PointBase {
  readonly count?: Uint64Input;
  readonly sum?: number;
  readonly quantileValues?: readonly { readonly quantile?: number; readonly value?: number }[];
}

export interface Metric {
  readonly name?: string;
  readonly description?: string;
  readonly unit?: string;
  /** Name of the field set in the `data` oneof, if any. */
  readonly data?: string;
  readonly gauge?: { readonly dataPoints?: readonly NumberDataPoint[] } | null;
  readonly sum?: {
    readonly dataPoints?: readonly NumberDataPoint[];
    readonly aggregationTemporality?: number;
    readonly isMonotonic?: boolean;
  } | null;
  readonly histogram?: {
    readonly dataPoints?: readonly HistogramDataPoint[];
    readonly aggregationTemporality?: number;
  } | null;
  readonly exponentialHistogram?: {
    readonly dataPoints?: readonly ExponentialHistogramDataPoint[];
    readonly aggregationTemporality?: number;
  } | null;
  readonly summary?: { readonly dataPoints?: readonly SummaryDataPoint[] } | null;
  readonly metadata?: readonly KeyValue[];
}

export interface MetricsRequest {
  readonly resourceMetrics?: readonly (ResourceGroup & {
    readonly scopeMetrics?: readonly (ScopeGroup & { readonly metrics?: readonly Metric[] })[];
  })[];
}
