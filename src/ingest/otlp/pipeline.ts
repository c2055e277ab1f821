import { toAppError } from '../../lib/errors.js';
import type { Counter } from '../../lib/metrics.js';
import { splitNanos } from '../../lib/nanos.js';
import type { Store } from '../../store/index.js';
import type { Converted } from './convert-common.js';
import { jsonToProtobuf } from './decode.js';
import { logsToRows } from './logs-rows.js';
import { metricsToRows } from './metrics-rows.js';
import type { Signal } from './proto.js';
import type { ExportOutcome } from './responses.js';
import { tracesToRows } from './traces-rows.js';

export type Transport = 'grpc' | 'http';
export type Encoding = 'protobuf' | 'json';

export interface IngestCounters {
  received: Counter;
  accepted: Counter;
  rejected: Counter;
  refused: Counter;
}

/** Wall-clock nanoseconds as a decimal string; injected so tests can fix "now". */
export type NowNanos = () => string;

export const systemNowNanos: NowNanos = () => (BigInt(Date.now()) * 1_000_000n).toString();

/**
 * One export request's path, shared by gRPC and HTTP: decode, convert to rows, queue for
 * the store, and answer once the rows are committed.
 */
/** Days each signal is kept; 0 keeps it forever. */
export type RetentionDays = Record<Signal, number>;

/** Told of each request's stored spans: their organization and earliest and latest start. */
export type SpansStored = (org: string, fromMs: number, toMs: number) => void;

export class OtlpPipeline {
  constructor(
    private readonly store: Store,
    private readonly counters: IngestCounters,
    private readonly retention: RetentionDays,
    private readonly now: NowNanos = systemNowNanos,
    private readonly onSpansStored: SpansStored = () => undefined,
  ) {}

  /** The request as protobuf bytes: OTLP/JSON is re-encoded, protobuf passes as it is. */
  protobuf(signal: Signal, encoding: Encoding, body: Uint8Array): Uint8Array {
    return encoding === 'json'
      ? jsonToProtobuf(
          signal,
          Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
        )
      : body;
  }

  /**
   * Unix seconds before which items of `signal` are refused (0: none): retention would
   * drop them at once, so they are reported instead.
   */
  expiredBeforeSec(signal: Signal, nowSec = splitNanos(this.now()).sec): number {
    const days = this.retention[signal];
    return days > 0 ? nowSec - days * 86_400 : 0;
  }

  convert(signal: Signal, request: Uint8Array): Converted {
    const now = splitNanos(this.now());
    const expiredBefore = this.expiredBeforeSec(signal, now.sec);
    switch (signal) {
      case 'traces':
        return tracesToRows(request, expiredBefore);
      case 'logs':
        return logsToRows(request, now, expiredBefore);
      case 'metrics':
        return metricsToRows(request, expiredBefore);
    }
  }

  /** Decodes and stores one request for `org`; throws AppError when nothing was stored. */
  async export(
    signal: Signal,
    transport: Transport,
    org: string,
    encoding: Encoding,
    body: Uint8Array,
  ): Promise<ExportOutcome> {
    const labels = { signal, transport };
    const converted = this.convert(signal, this.protobuf(signal, encoding, body));
    const items = converted.accepted + converted.rejected;
    this.counters.received.inc(labels, items);
    if (converted.rejected > 0) this.counters.rejected.inc(labels, converted.rejected);
    if (converted.accepted > 0) {
      try {
        await this.store.write(org, converted.parts);
      } catch (err) {
        const e = toAppError(err);
        this.counters.refused.inc({ ...labels, reason: e.code.toLowerCase() }, converted.accepted);
        throw e;
      }
      this.counters.accepted.inc(labels, converted.accepted);
      const spans = converted.spanStartMs;
      if (spans) this.onSpansStored(org, spans.fromMs, spans.toMs);
    }
    return { rejected: converted.rejected, message: converted.message };
  }
}
