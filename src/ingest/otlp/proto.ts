import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The signals OTLP carries. */
export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** Finds `proto/` at the package root, from `src/` or from the compiled `dist/src/`. */
function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'opentelemetry'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('proto/ directory not found above ' + fileURLToPath(import.meta.url));
}

function loadRoot(): protobuf.Root {
  const base = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(base, target);
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'google/rpc/status.proto',
    ],
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

const root = loadRoot();

/** Request and response message types per signal. */
export const REQUEST_TYPES: Record<Signal, protobuf.Type> = {
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

export const RESPONSE_TYPES: Record<Signal, protobuf.Type> = {
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
};

export const StatusType = root.lookupType('google.rpc.Status');
export const RetryInfoType = root.lookupType('google.rpc.RetryInfo');

/** The gRPC service path of each signal's Export method. */
export const GRPC_SERVICES: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
};
