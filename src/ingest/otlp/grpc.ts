import * as grpc from '@grpc/grpc-js';
import { grpcStatus, toAppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { IngestAuth } from '../auth.js';
import type { OtlpPipeline } from './pipeline.js';
import { GRPC_SERVICES, SIGNALS, type Signal } from './proto.js';
import { exportResponseProto, statusProto } from './responses.js';

export interface OtlpGrpcOptions {
  pipeline: OtlpPipeline;
  auth: IngestAuth;
  /** Largest message accepted, after decompression. */
  maxRequestBytes: number;
  log: Logger;
}

const passThrough = (b: Buffer): Buffer => b;

/**
 * A service definition whose request stays as raw bytes, so that decoding happens in the
 * handler and an undecodable request is answered INVALID_ARGUMENT with the reason.
 */
function exportDefinition(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${GRPC_SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: (r: Uint8Array) => Buffer.from(r.buffer, r.byteOffset, r.byteLength),
      responseDeserialize: passThrough,
    },
  };
}

/** OTLP/gRPC: the Export method of TraceService, MetricsService and LogsService. */
export function otlpGrpcServer(opts: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const signal of SIGNALS) {
    const handler: grpc.handleUnaryCall<Buffer, Uint8Array> = (call, callback) => {
      void (async () => {
        try {
          const auth = call.metadata.get('authorization')[0];
          const org = opts.auth.resolve(typeof auth === 'string' ? auth : auth?.toString('utf8'));
          const outcome = await opts.pipeline.export(signal, 'grpc', org, 'protobuf', call.request);
          callback(null, exportResponseProto(signal, outcome));
        } catch (err) {
          const e = toAppError(err);
          const code = grpcStatus(e);
          if (code === Number(grpc.status.INTERNAL))
            opts.log.error({ err: e, signal }, 'export failed');
          const trailer = new grpc.Metadata();
          trailer.set('grpc-status-details-bin', Buffer.from(statusProto(e)));
          callback({ code, details: e.message, metadata: trailer });
        }
      })();
    };
    server.addService(exportDefinition(signal), { Export: handler });
  }
  return server;
}

/** Binds the server to `host:port` and resolves with the bound port. */
export function bindGrpc(server: grpc.Server, addr: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
}
