/** The fetch a scheduler scrapes with; `globalThis.fetch` in production, a fake in tests. */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;

/** Asks for OpenMetrics first, as Prometheus does, and takes the Prometheus text format. */
export const ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The largest response body a scrape reads (after decompression). */
export const MAX_SCRAPE_BYTES = 16 * 1024 * 1024;

export interface FetchedBody {
  text: string;
  contentType: string | null;
  bytes: number;
}

/** A scrape's failure, with a message meant for the collector's status. */
export class ScrapeError extends Error {
  override name = 'ScrapeError';
}

/** A readable message for a failed fetch: undici hides the reason in `cause`. */
export function fetchErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.message === 'string' && cause.message !== '') {
    return `${err.message}: ${cause.message}`;
  }
  return err.message;
}

/**
 * GETs a target's exposition. Fails on a status other than 2xx and on a body larger than
 * `maxBytes`; `signal` aborts the request and the reading of its body.
 */
export async function fetchTarget(
  fetchFn: FetchFn,
  url: string,
  opts: { signal: AbortSignal; maxBytes: number; timeoutMs: number; userAgent: string },
): Promise<FetchedBody> {
  const res = await fetchFn(url, {
    method: 'GET',
    headers: {
      accept: ACCEPT,
      'user-agent': opts.userAgent,
      'x-prometheus-scrape-timeout-seconds': String(opts.timeoutMs / 1000),
    },
    signal: opts.signal,
    redirect: 'follow',
  });
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => undefined);
    throw new ScrapeError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const tooLarge = () =>
    new ScrapeError(`response is larger than ${opts.maxBytes} bytes, the most a scrape reads`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (res.body) {
    const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  return { text, contentType: res.headers.get('content-type'), bytes };
}
