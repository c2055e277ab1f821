import { describe, expect, it } from 'vitest';
import { opsApp } from '../../../src/api/app.js';
import { Registry } from '../../../src/lib/metrics.js';

describe('ops endpoints', () => {
  it('answers /readyz 503 until ready, then 200', async () => {
    let ready = false;
    const app = opsApp({
      registry: new Registry(),
      version: '0.0.0',
      ready: () => Promise.resolve(ready),
    });
    expect((await app.request('/readyz')).status).toBe(503);
    ready = true;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('answers /readyz 503 when the readiness check throws', async () => {
    const app = opsApp({
      registry: new Registry(),
      version: '0.0.0',
      ready: () => Promise.reject(new Error('down')),
    });
    expect((await app.request('/readyz')).status).toBe(503);
  });

  it('serves /healthz and /metrics in the Prometheus text format', async () => {
    const registry = new Registry();
    registry.counter('gridscope_test_total', 'Test.').inc();
    const app = opsApp({ registry, version: '1.2.3', ready: () => Promise.resolve(true) });
    expect(await (await app.request('/healthz')).json()).toEqual({
      status: 'ok',
      version: '1.2.3',
    });
    const metrics = await app.request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await metrics.text()).toContain('gridscope_test_total 1');
  });
});
