import { pino, type Logger } from 'pino';

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
  // Standard output itself, not pino's own writer: that one, flushing at exit, retries a
  // write to a pipe whose reader has gone (EPIPE) for ever, so Gridscope never exited.
  process.stdout,
);

// A reader of the logs that goes away must not stop Gridscope; lines after it are lost.
process.stdout.on('error', () => undefined);

export type { Logger };
