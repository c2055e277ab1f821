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
  // Signals are heeded from the start: the first stops Gridscope (once it has started, if
  // it is starting), with --shutdown-timeout-ms to do so; a second one, of either kind,
  // ends it at once, as no handler is left for it.
  let signalled: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  const onSignal = (name: string) => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    logger.info({ signal: name }, 'stopping: writing queued rows');
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    signalled(name);
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  const app = await startGridscope(config, logger);
  await signal;
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
