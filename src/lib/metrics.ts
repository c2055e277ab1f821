/**
 * Gridscope's own metrics, rendered in the Prometheus text exposition format (0.0.4).
 * Small on purpose: counters, callback gauges and fixed-bucket histograms with labels.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function withLabels(name: string, key: string, extra = ''): string {
  const all = [key, extra].filter((s) => s.length > 0).join(',');
  return all.length > 0 ? `${name}{${all}}` : name;
}

function numberText(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [key, v] of this.values) out += `${withLabels(this.name, key)} ${numberText(v)}\n`;
    return out;
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${numberText(this.read())}\n`;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [key, s] of this.series) {
      this.buckets.forEach((b, i) => {
        out += `${withLabels(`${this.name}_bucket`, key, `le="${numberText(b)}"`)} ${s.counts[i]}\n`;
      });
      out += `${withLabels(`${this.name}_bucket`, key, 'le="+Inf"')} ${s.count}\n`;
      out += `${withLabels(`${this.name}_sum`, key)} ${s.sum}\n`;
      out += `${withLabels(`${this.name}_count`, key)} ${s.count}\n`;
    }
    return out;
  }
}

/** A set of metrics rendered together at /metrics. */
export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, read: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }

  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
}
