/**
 * A parser of the Prometheus text exposition format (0.0.4) and of OpenMetrics text
 * (1.0), as scrape targets serve them. Samples are grouped into families by their
 * `# TYPE` / `# HELP` lines; a sample without one forms an untyped family of its own.
 * Exemplars (OpenMetrics) are read and dropped. A malformed line fails the whole text, as
 * it fails a Prometheus scrape.
 */

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'stateset'
  | 'info'
  | 'untyped'
  | 'unknown';

export interface Sample {
  /** The sample's own name, e.g. `http_requests_total` or `latency_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the sample carries a timestamp. */
  timestampMs: number | undefined;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  samples: Sample[];
}

export interface Exposition {
  families: MetricFamily[];
  /** Sample lines read. */
  samples: number;
}

/** A line the parser cannot read; `line` counts from 1. */
export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const TYPES: Record<ExpositionFormat, readonly MetricType[]> = {
  prometheus: ['counter', 'gauge', 'histogram', 'summary', 'untyped'],
  openmetrics: [
    'counter',
    'gauge',
    'histogram',
    'gaugehistogram',
    'summary',
    'stateset',
    'info',
    'unknown',
  ],
};

/** Sample name suffixes of each family type (the empty suffix is the family's own name). */
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['_total', '_created', ''],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  stateset: [''],
  info: ['_info'],
  untyped: [''],
  unknown: [''],
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The format of a response, from its Content-Type. */
export function formatOf(contentType: string | null): ExpositionFormat {
  return /^\s*application\/openmetrics-text/i.test(contentType ?? '')
    ? 'openmetrics'
    : 'prometheus';
}

/** Parses a float as Go's ParseFloat does for exposition values: decimals, Inf, NaN. */
export function parseValue(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  const m = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (m) return m[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return undefined;
}

/**
 * Undoes `\\`, `\n` and, where the format has it, `\"`; other escapes are kept as they are,
 * as Prometheus keeps them. The Prometheus text format escapes no quote in HELP text.
 */
function unescape(text: string, quote = true): string {
  return text.replace(/\\(.)/g, (all, c: string) =>
    c === 'n' ? '\n' : c === '\\' ? '\\' : c === '"' && quote ? '"' : all,
  );
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Reads one sample line. */
class LineReader {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly lineNo: number,
  ) {}

  fail(message: string): never {
    throw new ExpositionError(this.lineNo, message);
  }

  blanks(): void {
    while (isBlank(this.text[this.pos])) this.pos++;
  }

  match(re: RegExp, what: string): string {
    const m = re.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected ${what} at column ${this.pos + 1}`);
    this.pos += m[0].length;
    return m[0];
  }

  expect(c: string): void {
    if (this.text[this.pos] !== c)
      this.fail(`expected ${JSON.stringify(c)} at column ${this.pos + 1}`);
    this.pos++;
  }

  /** A quoted label value, with escapes undone. */
  quoted(): string {
    this.expect('"');
    const start = this.pos;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      if (this.text[this.pos] === '\\') this.pos++;
      this.pos++;
    }
    if (this.pos >= this.text.length) this.fail('unterminated label value');
    const raw = this.text.slice(start, this.pos);
    this.pos++;
    return unescape(raw);
  }

  labels(): Record<string, string> {
    const labels: Record<string, string> = Object.create(null) as Record<string, string>;
    if (this.text[this.pos] !== '{') return labels;
    this.pos++;
    const names = new Set<string>();
    for (;;) {
      this.blanks();
      if (this.text[this.pos] === '}') break;
      const name = this.match(LABEL_NAME, 'a label name');
      this.blanks();
      this.expect('=');
      this.blanks();
      const value = this.quoted();
      if (names.has(name)) this.fail(`label ${name} repeated`);
      names.add(name);
      // An empty value is no label, as Prometheus has it: `a{x=""}` and `a` are one series.
      if (value !== '') labels[name] = value;
      this.blanks();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}')
        this.fail(`expected "," or "}" at column ${this.pos + 1}`);
    }
    this.pos++;
    return labels;
  }

  /** The next whitespace-separated token, or '' at the end of the line. */
  token(): string {
    this.blanks();
    const start = this.pos;
    while (this.pos < this.text.length && !isBlank(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  rest(): string {
    return this.text.slice(this.pos);
  }
}

function parseSample(line: string, lineNo: number, format: ExpositionFormat): Sample {
  const r: LineReader = new LineReader(line, lineNo);
  const name = r.match(METRIC_NAME, 'a metric name');
  const afterName = r.pos;
  r.blanks();
  const labels = r.labels();
  if (r.rest().trim() === '') r.fail('a sample needs a value');
  const spaced = line[r.pos - 1] === '}' ? isBlank(line[r.pos]) : r.pos > afterName;
  if (!spaced) r.fail(`expected a space before the value at column ${r.pos + 1}`);
  const valueText = r.token();
  const value = parseValue(valueText);
  if (value === undefined) r.fail(`not a number: ${JSON.stringify(valueText.slice(0, 40))}`);
  // OpenMetrics exemplars (`# {trace_id="..."} 1.0 [ts]`) follow a `#`; they are dropped.
  const exemplar = () => format === 'openmetrics' && r.rest().trimStart().startsWith('#');
  let timestampMs: number | undefined;
  if (!exemplar()) {
    const ts = r.token();
    if (ts !== '') timestampMs = parseTimestamp(ts, format, r);
    r.blanks();
    if (r.rest() !== '' && !exemplar()) {
      r.fail(`unexpected text after the sample: ${JSON.stringify(r.rest().slice(0, 40))}`);
    }
  }
  return { name, labels, value, timestampMs };
}

function parseTimestamp(text: string, format: ExpositionFormat, r: LineReader): number {
  if (format === 'prometheus') {
    // Prometheus text: integer milliseconds.
    if (!/^-?\d+$/.test(text))
      r.fail(`not a timestamp in milliseconds: ${JSON.stringify(text.slice(0, 40))}`);
    return Number(text);
  }
  // OpenMetrics: seconds, possibly fractional.
  const seconds = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds))
    r.fail(`not a timestamp in seconds: ${JSON.stringify(text.slice(0, 40))}`);
  return Math.round(seconds * 1000);
}

/** Parses an exposition. Throws ExpositionError naming the first malformed line. */
export function parseExposition(text: string, format: ExpositionFormat): Exposition {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  let samples = 0;
  let eof = false;
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start another.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const family = (name: string, lineNo: number): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = {
        name,
        type: format === 'openmetrics' ? 'unknown' : 'untyped',
        help: '',
        unit: '',
        samples: [],
      };
      families.set(name, f);
    } else if (f !== current && f.samples.length > 0 && format === 'openmetrics') {
      throw new ExpositionError(lineNo, `metric family ${name} is not contiguous`);
    }
    return f;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (eof) throw new ExpositionError(lineNo, 'text after # EOF');
    if (line.trim() === '') {
      if (format === 'openmetrics') throw new ExpositionError(lineNo, 'empty line');
      continue;
    }
    if (line.startsWith('#')) {
      if (format === 'openmetrics' && line === '# EOF') {
        eof = true;
        continue;
      }
      const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(
        line,
      );
      // Other comments, and UNIT in the Prometheus format, carry nothing.
      if (!m || (m[1] === 'UNIT' && format === 'prometheus')) continue;
      const keyword = m[1];
      const name = m[2]!;
      const rest = m[3] ?? '';
      const f = family(name, lineNo);
      current = f;
      if (keyword === 'HELP') f.help = unescape(rest, format === 'openmetrics');
      else if (keyword === 'UNIT') f.unit = rest.trim();
      else {
        const type = rest.trim() as MetricType;
        if (!TYPES[format].includes(type)) {
          throw new ExpositionError(lineNo, `unknown metric type ${JSON.stringify(rest.trim())}`);
        }
        if (f.samples.length > 0)
          throw new ExpositionError(lineNo, `TYPE of ${name} after its samples`);
        f.type = type;
      }
      continue;
    }
    const s = parseSample(line, lineNo, format);
    samples++;
    const owner = current && belongsTo(current, s.name) ? current : family(s.name, lineNo);
    current = owner;
    owner.samples.push(s);
  }
  if (format === 'openmetrics' && !eof)
    throw new ExpositionError(lines.length, 'missing # EOF at the end');
  return { families: [...families.values()].filter((f) => f.samples.length > 0), samples };
}

/** Whether a sample name is one of a family's: its name with one of its type's suffixes. */
function belongsTo(f: MetricFamily, sampleName: string): boolean {
  if (!sampleName.startsWith(f.name)) return false;
  const suffix = sampleName.slice(f.name.length);
  return SUFFIXES[f.type].includes(suffix);
}
