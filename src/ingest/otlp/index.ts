// Public API of the OTLP receiver.
export { otlpHttpApp, type OtlpHttpOptions } from './http.js';
export { otlpGrpcServer, bindGrpc, type OtlpGrpcOptions } from './grpc.js';
export { OtlpPipeline, systemNowNanos, type IngestCounters, type NowNanos } from './pipeline.js';
export { SIGNALS, type Signal } from './proto.js';
