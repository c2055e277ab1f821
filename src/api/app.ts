import { Hono } from 'hono';
import type { Registry } from '../lib/metrics.js';

export interface OpsAppOptions {
  registry: Registry;
  /** True once the store answers and every organization's migrations are done. */
  ready: () => Promise<boolean>;
  version: string;
  /** Brings gauges read from elsewhere up to date before /metrics renders; never throws. */
  refresh?: () => Promise<void>;
}

/** Liveness, readiness and Gridscope's own metrics. */
export function opsApp(opts: OpsAppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok', version: opts.version }));
  app.get('/readyz', async (c) => {
    const ready = await opts.ready().catch(() => false);
    return c.json({ status: ready ? 'ready' : 'not ready' }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    await opts.refresh?.();
    return c.body(opts.registry.render(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });
  return app;
}
