import { Hono, type Context } from 'hono';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { AppError, httpStatus, toAppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { IngestAuth } from '../auth.js';
import type { Encoding, OtlpPipeline } from './pipeline.js';
import { SIGNALS, type Signal } from './proto.js';
import { exportResponseObject, exportResponseProto, statusJson, statusProto } from './responses.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface OtlpHttpOptions {
  pipeline: OtlpPipeline;
  auth: IngestAuth;
  /** Largest request body accepted, after decompression. */
  maxRequestBytes: number;
  log: Logger;
}

function encodingOf(contentType: string | undefined): Encoding | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

/** Reads the body, refusing it as soon as it passes `limit` bytes. */
async function readBody(c: Context, limit: number): Promise<Buffer> {
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): AppError {
  return new AppError('LIMIT_EXCEEDED', `request body is larger than the limit of ${limit} bytes`);
}

async function decompress(
  body: Buffer,
  encoding: string | undefined,
  limit: number,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  const inflater = enc === 'gzip' ? gunzipAsync : enc === 'deflate' ? inflateAsync : null;
  if (!inflater) throw new AppError('VALIDATION', `unsupported Content-Encoding: ${enc}`);
  try {
    return await inflater(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new AppError('VALIDATION', `request body is not valid ${enc} data`, { cause: err });
  }
}

/** OTLP/HTTP: POST /v1/traces, /v1/metrics, /v1/logs in protobuf or JSON. */
export function otlpHttpApp(opts: OtlpHttpOptions): Hono {
  const app = new Hono();
  const log = opts.log;

  const handle = async (c: Context, signal: Signal) => {
    const encoding = encodingOf(c.req.header('content-type'));
    try {
      const org = opts.auth.resolve(c.req.header('authorization'));
      if (!encoding) {
        return c.text('Content-Type must be application/x-protobuf or application/json', 415);
      }
      const raw = await readBody(c, opts.maxRequestBytes);
      const body = await decompress(raw, c.req.header('content-encoding'), opts.maxRequestBytes);
      const outcome = await opts.pipeline.export(signal, 'http', org, encoding, body);
      if (encoding === 'json') return c.json(exportResponseObject(signal, outcome), 200);
      return c.body(Buffer.from(exportResponseProto(signal, outcome)), 200, {
        'content-type': 'application/x-protobuf',
      });
    } catch (err) {
      const e = toAppError(err);
      const status = httpStatus(e);
      if (status >= 500) log.error({ err: e, signal }, 'export failed');
      const headers: Record<string, string> = {};
      if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
      if (encoding !== 'protobuf') {
        headers['content-type'] = 'application/json';
        return c.body(statusJson(e), status as 400, headers);
      }
      headers['content-type'] = 'application/x-protobuf';
      return c.body(Buffer.from(statusProto(e)), status as 400, headers);
    }
  };

  for (const signal of SIGNALS) {
    app.post(`/v1/${signal}`, (c) => handle(c, signal));
  }
  return app;
}
