import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/lib/metrics.js';

describe('Prometheus text', () => {
  it('renders counters, gauges and cumulative histogram buckets', () => {
    const r = new Registry();
    const c = r.counter('items_total', 'Items.');
    c.inc({ signal: 'logs' }, 3);
    c.inc({ signal: 'logs' });
    r.gauge('queue_bytes', 'Queue.', () => 7);
    const h = r.histogram('latency_seconds', 'Latency.', [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const text = r.render();
    expect(text).toContain('# TYPE items_total counter\nitems_total{signal="logs"} 4\n');
    expect(text).toContain('queue_bytes 7\n');
    expect(text).toContain(
      'latency_seconds_bucket{le="0.1"} 1\nlatency_seconds_bucket{le="1"} 2\nlatency_seconds_bucket{le="+Inf"} 3\n',
    );
    expect(text).toContain('latency_seconds_count 3\n');
  });

  it('escapes label values', () => {
    const r = new Registry();
    r.counter('x_total', 'X.').inc({ v: 'a"b\\c\nd' });
    expect(r.render()).toContain('x_total{v="a\\"b\\\\c\\nd"} 1');
  });
});
