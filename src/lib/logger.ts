import { pino, type Logger } from 'pino';

/**
 * Root logger; modules take `logger.child({ module })`. Credentials are redacted. The CLI
 * sets the level from the configuration (--log-level).
 */
export const logger: Logger = pino({
  level: 'info',
  base: { service: 'gridscope' },
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'token'],
    censor: '[redacted]',
  },
});

export type { Logger };
