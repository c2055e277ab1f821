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
  /** True once Gridscope is stopping: requests are refused and connections closed. */
  stopping: () => boolean;
}

/** Seconds a sender refused while Gridscope stops is told to wait before retrying. */
const STOPPING_RETRY_SECONDS = 5;

/** A request's media type (its Content-Type without parameters) and what it encodes. */
function encodingOf(contentType: string | undefined): { type: string; encoding: Encoding | null } {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') {
    return { type, encoding: 'protobuf' };
  }
  if (type === 'application/json') return { type, encoding: 'json' };
  return { type, encoding: null };
}

/** Content codings a request body may have. */
const ACCEPTED_ENCODINGS = 'gzip, deflate, identity';

/** An error answered 415 Unsupported Media Type. */
class UnsupportedMedia extends AppError {
  constructor(
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super('VALIDATION', message);
  }
}

/** Reads the body, refusing it as soon as it passes `limit` bytes. */
async function readBody(c: Context, limit: number): Promise<Buffer> {
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The sender went away, or took longer than --http-request-timeout-ms to send its body
    // (Node has answered it 408): nothing of it is stored, and it is no failure of ours.
    throw new AppError('VALIDATION', 'the request body did not arrive whole', { cause: err });
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
  if (!inflater) {
    throw new UnsupportedMedia(`unsupported Content-Encoding: ${enc}`, {
      'accept-encoding': ACCEPTED_ENCODINGS,
    });
  }
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
    // Answers use the request's own media type; a body of an unknown type is answered in
    // protobuf, the encoding OTLP/HTTP falls back to.
    const { type, encoding } = encodingOf(c.req.header('content-type'));
    const answerType = encoding === null ? 'application/x-protobuf' : type;
    try {
      if (opts.stopping()) {
        throw new AppError('UNAVAILABLE', 'Gridscope is stopping; send again later', {
          retryAfterSeconds: STOPPING_RETRY_SECONDS,
        });
      }
      const org = opts.auth.resolve(c.req.header('authorization'));
      if (!encoding) {
        throw new UnsupportedMedia(
          'Content-Type must be application/x-protobuf, application/protobuf or application/json',
        );
      }
      const raw = await readBody(c, opts.maxRequestBytes);
      const body = await decompress(raw, c.req.header('content-encoding'), opts.maxRequestBytes);
      const outcome = await opts.pipeline.export(signal, 'http', org, encoding, body);
      const answer =
        encoding === 'json'
          ? JSON.stringify(exportResponseObject(signal, outcome))
          : Buffer.from(exportResponseProto(signal, outcome));
      return c.body(answer, 200, { 'content-type': answerType });
    } catch (err) {
      const e = toAppError(err);
      const status = e instanceof UnsupportedMedia ? 415 : httpStatus(e);
      if (status >= 500) log.error({ err: e, signal }, 'export failed');
      const headers: Record<string, string> = {
        ...(e instanceof UnsupportedMedia ? e.headers : {}),
        'content-type': answerType,
      };
      if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
      const answer = encoding === 'json' ? statusJson(e) : Buffer.from(statusProto(e));
      return c.body(answer, status as 400, headers);
    }
  };

  // While Gridscope stops, every answer closes its connection: a sender that keeps a
  // connection busy would otherwise hold the server open until the shutdown times out.
  app.use(async (c, next) => {
    await next();
    if (opts.stopping()) c.res.headers.set('connection', 'close');
  });
  for (const signal of SIGNALS) {
    app.post(`/v1/${signal}`, (c) => handle(c, signal));
    // Any other method on an export path is known but not allowed (RFC 9110, 405).
    app.all(`/v1/${signal}`, (c) => {
      const e = new AppError('VALIDATION', `${c.req.method} is not allowed; use POST`);
      const { type, encoding } = encodingOf(c.req.header('content-type'));
      const json = encoding === 'json';
      return c.body(json ? statusJson(e) : Buffer.from(statusProto(e)), 405, {
        allow: 'POST',
        'content-type': json ? type : 'application/x-protobuf',
      });
    });
  }
  return app;
}
