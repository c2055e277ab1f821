/**
 * The official OpenTelemetry JS exporters, per signal and transport, and the SDK pieces
 * that produce their input. Tests export SDK-made telemetry through these to a server.
 */
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Metadata } from '@grpc/grpc-js';

export type Transport = 'grpc' | 'http/protobuf' | 'http/json';
export const TRANSPORTS: readonly Transport[] = ['grpc', 'http/protobuf', 'http/json'];

export interface Endpoints {
  grpc: string;
  http: string;
}

interface Exporter<T> {
  export(items: T, done: (r: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export interface ExportOptions {
  token?: string;
  compression?: 'gzip' | 'none';
}

function grpcMetadata(token?: string): Metadata | undefined {
  if (!token) return undefined;
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

function headers(token?: string): Record<string, string> | undefined {
  return token ? { Authorization: `Bearer ${token}` } : undefined;
}

/** Sends once through a new exporter and resolves with the export result. */
async function sendOnce<T>(exporter: Exporter<T>, items: T): Promise<ExportResult> {
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  } finally {
    await exporter.shutdown();
  }
}

export function exportSpans(
  t: Transport,
  ep: Endpoints,
  spans: ReadableSpan[],
  o: ExportOptions = {},
) {
  const compression = (o.compression ?? 'none') as never;
  const exporter =
    t === 'grpc'
      ? new TracesGrpc({ url: ep.grpc, metadata: grpcMetadata(o.token), compression })
      : t === 'http/protobuf'
        ? new TracesProto({ url: `${ep.http}/v1/traces`, headers: headers(o.token), compression })
        : new TracesJson({ url: `${ep.http}/v1/traces`, headers: headers(o.token), compression });
  return sendOnce(exporter, spans);
}

export function exportLogs(
  t: Transport,
  ep: Endpoints,
  logs: ReadableLogRecord[],
  o: ExportOptions = {},
) {
  const compression = (o.compression ?? 'none') as never;
  const exporter =
    t === 'grpc'
      ? new LogsGrpc({ url: ep.grpc, metadata: grpcMetadata(o.token), compression })
      : t === 'http/protobuf'
        ? new LogsProto({ url: `${ep.http}/v1/logs`, headers: headers(o.token), compression })
        : new LogsJson({ url: `${ep.http}/v1/logs`, headers: headers(o.token), compression });
  return sendOnce(exporter, logs);
}

export function exportMetrics(
  t: Transport,
  ep: Endpoints,
  metrics: ResourceMetrics,
  o: ExportOptions = {},
) {
  const compression = (o.compression ?? 'none') as never;
  const exporter =
    t === 'grpc'
      ? new MetricsGrpc({ url: ep.grpc, metadata: grpcMetadata(o.token), compression })
      : t === 'http/protobuf'
        ? new MetricsProto({ url: `${ep.http}/v1/metrics`, headers: headers(o.token), compression })
        : new MetricsJson({ url: `${ep.http}/v1/metrics`, headers: headers(o.token), compression });
  return sendOnce(exporter as unknown as Exporter<ResourceMetrics>, metrics);
}
