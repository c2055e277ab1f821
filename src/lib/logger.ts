import { pino, type Logger } from 'pino';

/** Root logger; modules take `logger.child({ module })`. Credentials are redacted. */
export const logger: Logger = pino({
  level: process.env.GRIDSCOPE_LOG_LEVEL ?? 'info',
  base: { service: 'gridscope' },
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'token'],
    censor: '[redacted]',
  },
});

export type { Logger };
