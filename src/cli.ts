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
  // The signals are heeded from the start: one that comes while Gridscope starts stops it
  // once it has started, rather than killing it midway.
  let signalled: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  process.once('SIGTERM', () => signalled('SIGTERM'));
  process.once('SIGINT', () => signalled('SIGINT'));
  const app = await startGridscope(config, logger);
  const received = await signal;
  logger.info({ signal: received }, 'stopping: writing queued rows');
  const timer = setTimeout(() => {
    logger.error('shutdown timed out');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  timer.unref();
  try {
    await app.close();
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.fatal({ err }, 'gridscope failed');
    process.exit(1);
  },
);
