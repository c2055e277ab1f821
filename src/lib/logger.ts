import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';

/** How long one log line waits, in all, for a reader that is slow to take it. */
const SLOW_READER_WAIT_MS = 1000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes each line to standard output at once, so no line is lost at exit. A full pipe
 * (EAGAIN) is waited for up to SLOW_READER_WAIT_MS a line, then the line is dropped; a
 * reader that has gone (EPIPE) or any other failure drops the line. pino's own writer,
 * flushing at exit, retried a write that failed with EPIPE for ever, so Gridscope never
 * exited once its log reader had gone.
 */
export const stdoutLines = {
  write(line: string): void {
    let bytes = Buffer.from(line, 'utf8');
    let waited = 0;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(1, bytes));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= SLOW_READER_WAIT_MS)
          return;
        Atomics.wait(pause, 0, 0, 1);
        waited++;
      }
    }
  },
};

/**
 * Root logger; modules take `logger.child({ module })`. Credentials are redacted. The CLI
 * sets the level from the configuration (--log-level).
 */
export const logger: Logger = pino(
  {
    level: 'info',
    base: { service: 'gridscope' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'token'],
      censor: '[redacted]',
    },
  },
  stdoutLines,
);

export type { Logger };
