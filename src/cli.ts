#!/usr/bin/env -S node --max-semi-space-size=64
import { parseArgs } from 'node:util';
import { FLAGS, helpText, loadConfig } from './config/index.js';
import { logger } from './lib/logger.js';
import { startGridscope } from './main.js';

async function main(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const f of FLAGS) options[f.name] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${helpText()}`);
    return 2;
  }
  const command = parsed.positionals[0] ?? 'serve';
  if (parsed.values['help'] === true || command === 'help') {
    console.log(helpText());
    return 0;
  }
  if (command !== 'serve') {
    console.error(`unknown command: ${command}\n\n${helpText()}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(parsed.values as Record<string, string | undefined>);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  logger.level = config.logLevel;
  const app = await startGridscope(config, logger);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: writing queued rows');
      const timer = setTimeout(() => {
        logger.error('shutdown timed out');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      app.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.fatal({ err }, 'gridscope failed');
    process.exit(1);
  },
);
