import { describe, expect, it } from 'vitest';
import {
  ExpositionError,
  formatOf,
  parseExposition,
  parseValue,
  type ExpositionFormat,
  type Sample,
} from '../../../src/collectors/index.js';

/** The only sample of a one-line text. */
function one(line: string, format: ExpositionFormat = 'prometheus'): Sample {
  const text = format === 'openmetrics' ? `${line}\n# EOF\n` : `${line}\n`;
  const e = parseExposition(text, format);
  expect(e.samples).toBe(1);
  return e.families[0]!.samples[0]!;
}

describe('exposition values', () => {
  it.each([
    ['1', 1],
    ['-1.5', -1.5],
    ['2.527602688e+10', 25276026880],
    ['1E-3', 0.001],
    ['.5', 0.5],
    ['5.', 5],
    ['+3', 3],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
    ['inf', Infinity],
    ['+infinity', Infinity],
  ])('reads %s as %d', (text, value) => {
    expect(parseValue(text)).toBe(value);
  });

  it.each(['NaN', 'nan', 'NAN'])('reads %s as NaN', (text) => {
    expect(parseValue(text)).toBeNaN();
  });

  it.each(['', 'abc', '1,5', '0x10', '1e', '--1', 'Infinit', '1 2'])('refuses %j', (text) => {
    expect(parseValue(text)).toBeUndefined();
  });
});

describe('sample lines', () => {
  it.each<[string, string, Record<string, string>, number, number | undefined]>([
    ['a bare sample', 'up 1', {}, 1, undefined],
    [
      'labels',
      'http_requests_total{method="post",code="200"} 1027',
      { method: 'post', code: '200' },
      1027,
      undefined,
    ],
    ['a trailing comma', 'm{a="1",} 2', { a: '1' }, 2, undefined],
    ['spaces inside braces', 'm{ a = "1" , b="2" } 2', { a: '1', b: '2' }, 2, undefined],
    ['empty braces', 'm{} 3', {}, 3, undefined],
    ['a space before the braces', 'm {a="x"} 3', { a: 'x' }, 3, undefined],
    ['an escaped quote', 'm{path="say \\"hi\\""} 1', { path: 'say "hi"' }, 1, undefined],
    ['an escaped backslash', 'm{path="C:\\\\DIR\\\\"} 1', { path: 'C:\\DIR\\' }, 1, undefined],
    ['an escaped newline', 'm{msg="a\\nb"} 1', { msg: 'a\nb' }, 1, undefined],
    ['an unknown escape, kept', 'm{re="\\d+"} 1', { re: '\\d+' }, 1, undefined],
    ['braces, commas and # in a value', 'm{v="{a=1,b} # x"} 1', { v: '{a=1,b} # x' }, 1, undefined],
    ['UTF-8 in a value', 'm{city="Zürich 東京"} 1', { city: 'Zürich 東京' }, 1, undefined],
    ['an empty value as no label', 'm{a="",b="x"} 1', { b: 'x' }, 1, undefined],
    ['a timestamp in milliseconds', 'm 1 1395066363000', {}, 1, 1395066363000],
    ['a negative timestamp', 'm 1 -1000', {}, 1, -1000],
    ['tabs between fields', 'm\t7\t1000', {}, 7, 1000],
    ['trailing blanks', 'm 7   ', {}, 7, undefined],
    ['a colon in the name', 'job:rate5m{a="b"} 0.5', { a: 'b' }, 0.5, undefined],
    ['+Inf', 'm +Inf', {}, Infinity, undefined],
    ['-Inf', 'm -Inf', {}, -Infinity, undefined],
  ])('reads %s', (_what, line, labels, value, ts) => {
    const s = one(line);
    expect({ ...s.labels }).toEqual(labels);
    expect(s.value).toBe(value);
    expect(s.timestampMs).toBe(ts);
  });

  it('reads NaN values', () => {
    expect(one('m NaN').value).toBeNaN();
  });

  it('takes a CRLF line ending', () => {
    const e = parseExposition('a 1\r\nb 2\r\n', 'prometheus');
    expect(e.families.map((f) => [f.name, f.samples[0]!.value])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it.each([
    ['no value', 'm', /needs a value/],
    ['labels but no value', 'm{a="1"}', /needs a value/],
    ['a value that is not a number', 'm abc', /not a number: "abc"/],
    ['no space before the value', 'm{a="1"}1', /expected a space/],
    ['an unterminated label value', 'm{a="1} 1', /unterminated label value/],
    ['an unquoted label value', 'm{a=1} 1', /expected "\\""/],
    ['a label name starting with a digit', 'm{1a="x"} 1', /expected a label name/],
    ['a repeated label', 'm{a="1",a="2"} 1', /label a repeated/],
    ['a missing comma', 'm{a="1" b="2"} 1', /expected "," or "}"/],
    ['a fractional timestamp', 'm 1 1.5', /not a timestamp in milliseconds/],
    ['text after the timestamp', 'm 1 1000 extra', /unexpected text/],
    ['a name starting with a digit', '1m 1', /expected a metric name/],
  ])('refuses %s, naming the line', (_what, line, message) => {
    const text = `ok 1\n${line}\n`;
    expect(() => parseExposition(text, 'prometheus')).toThrow(ExpositionError);
    expect(() => parseExposition(text, 'prometheus')).toThrow(/^line 2: /);
    expect(() => parseExposition(text, 'prometheus')).toThrow(message);
  });
});

describe('comments, HELP and TYPE (Prometheus text format)', () => {
  const text = [
    '# A comment that is neither HELP nor TYPE',
    '#',
    '# HELP http_requests_total The total number of HTTP requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '',
    '# HELP help_escapes A backslash \\\\ and a newline \\n, kept \\" as is.',
    '# TYPE help_escapes gauge',
    'help_escapes 1',
    '# UNIT help_escapes seconds',
    'no_type_line{a="b"} 4',
    '# TYPE node_memory_MemTotal_bytes gauge',
    'node_memory_MemTotal_bytes 2.527602688e+10',
    '# HELP only_help Help but no type.',
    'only_help 5',
  ].join('\n');
  const e = parseExposition(text + '\n', 'prometheus');
  const byName = Object.fromEntries(e.families.map((f) => [f.name, f]));

  it('counts every sample and keeps families in order', () => {
    expect(e.samples).toBe(6);
    expect(e.families.map((f) => f.name)).toEqual([
      'http_requests_total',
      'help_escapes',
      'no_type_line',
      'node_memory_MemTotal_bytes',
      'only_help',
    ]);
  });

  it('takes the type and help of each family', () => {
    expect(byName.http_requests_total!.type).toBe('counter');
    expect(byName.http_requests_total!.help).toBe('The total number of HTTP requests.');
    expect(byName.http_requests_total!.samples).toHaveLength(2);
    expect(byName.node_memory_MemTotal_bytes!.type).toBe('gauge');
    expect(byName.only_help!.type).toBe('untyped');
    expect(byName.only_help!.help).toBe('Help but no type.');
  });

  it('undoes \\\\ and \\n in help text and keeps other escapes, \\" among them', () => {
    // The Prometheus text format escapes no quote in HELP (OpenMetrics does).
    expect(byName.help_escapes!.help).toBe('A backslash \\ and a newline \n, kept \\" as is.');
  });

  it('makes a sample without a TYPE line an untyped family', () => {
    expect(byName.no_type_line!.type).toBe('untyped');
  });

  it('ignores UNIT in the Prometheus format', () => {
    expect(byName.help_escapes!.unit).toBe('');
  });

  it('refuses an unknown type and a TYPE after the samples', () => {
    expect(() => parseExposition('# TYPE m widget\nm 1\n', 'prometheus')).toThrow(
      /line 1: unknown metric type "widget"/,
    );
    expect(() => parseExposition('m 1\n# TYPE m gauge\n', 'prometheus')).toThrow(
      /line 2: TYPE of m after its samples/,
    );
    // Types of OpenMetrics only are not types of the Prometheus format.
    expect(() => parseExposition('# TYPE m info\nm 1\n', 'prometheus')).toThrow(
      /unknown metric type/,
    );
  });

  it('treats # EOF as a comment in the Prometheus format', () => {
    expect(parseExposition('a 1\n# EOF\nb 2\n', 'prometheus').samples).toBe(2);
  });

  it('reads an empty text as no families', () => {
    expect(parseExposition('', 'prometheus')).toEqual({ families: [], samples: 0 });
  });
});

describe('histogram and summary families', () => {
  const text = `# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
rpc_duration_seconds_other 1
`;
  const e = parseExposition(text, 'prometheus');

  it('groups _bucket, _sum and _count under the histogram', () => {
    const h = e.families[0]!;
    expect(h.name).toBe('http_request_duration_seconds');
    expect(h.type).toBe('histogram');
    expect(h.samples.map((s) => s.name)).toEqual([
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_count',
    ]);
    expect(h.samples[2]!.labels.le).toBe('+Inf');
  });

  it('groups the quantiles, _sum and _count under the summary, and nothing else', () => {
    const s = e.families[1]!;
    expect(s.type).toBe('summary');
    expect(s.samples).toHaveLength(4);
    expect(e.families[2]).toMatchObject({ name: 'rpc_duration_seconds_other', type: 'untyped' });
  });
});

describe('OpenMetrics text', () => {
  it('requires # EOF at the end and nothing after it', () => {
    expect(() => parseExposition('a 1\n', 'openmetrics')).toThrow(/missing # EOF/);
    expect(() => parseExposition('a 1\n# EOF\nb 2\n', 'openmetrics')).toThrow(
      /line 3: text after # EOF/,
    );
    expect(parseExposition('a 1\n# EOF\n', 'openmetrics').samples).toBe(1);
    expect(parseExposition('a 1\n# EOF', 'openmetrics').samples).toBe(1);
  });

  it('undoes \\" in help text, which OpenMetrics escapes', () => {
    const e = parseExposition('# HELP q A \\"quoted\\" word.\nq 1\n# EOF\n', 'openmetrics');
    expect(e.families[0]!.help).toBe('A "quoted" word.');
  });

  it('puts foo_total and foo_created under the counter family foo', () => {
    const e = parseExposition(
      `# TYPE foo counter
# HELP foo Things done.
# UNIT foo seconds
foo_total{a="x"} 17.0
foo_created{a="x"} 1520430000.123
# EOF
`,
      'openmetrics',
    );
    expect(e.families).toHaveLength(1);
    const f = e.families[0]!;
    expect(f).toMatchObject({
      name: 'foo',
      type: 'counter',
      help: 'Things done.',
      unit: 'seconds',
    });
    expect(f.samples.map((s) => [s.name, s.value])).toEqual([
      ['foo_total', 17],
      ['foo_created', 1520430000.123],
    ]);
  });

  it('reads timestamps as seconds, fractions included', () => {
    expect(one('m 1 1520879607.789', 'openmetrics').timestampMs).toBe(1520879607789);
    expect(one('m 1 1520879607', 'openmetrics').timestampMs).toBe(1520879607000);
  });

  it('drops exemplars, with or without a timestamp before them', () => {
    const a = one('foo_bucket{le="0.5"} 3 # {trace_id="abc"} 0.4 1520879607.789', 'openmetrics');
    expect(a.value).toBe(3);
    expect(a.timestampMs).toBeUndefined();
    const b = one('foo_total 4 1520879607 # {trace_id="abc"} 1', 'openmetrics');
    expect([b.value, b.timestampMs]).toEqual([4, 1520879607000]);
  });

  it('knows the OpenMetrics types and calls a family without TYPE unknown', () => {
    const e = parseExposition(
      `# TYPE build info
build_info{version="1.2"} 1
# TYPE state stateset
state{state="a"} 1
state{state="b"} 0
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 2
gh_gcount 2
gh_gsum 3
loose 1
# EOF
`,
      'openmetrics',
    );
    expect(e.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['build', 'info', 1],
      ['state', 'stateset', 2],
      ['gh', 'gaugehistogram', 3],
      ['loose', 'unknown', 1],
    ]);
  });

  it('refuses an empty line and a family that is not contiguous', () => {
    expect(() => parseExposition('a 1\n\nb 1\n# EOF\n', 'openmetrics')).toThrow(
      /line 2: empty line/,
    );
    expect(() => parseExposition('a 1\nb 1\na 2\n# EOF\n', 'openmetrics')).toThrow(
      /line 3: metric family a is not contiguous/,
    );
  });
});

describe('formatOf', () => {
  it.each<[string | null, ExpositionFormat]>([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'prometheus'],
    ['text/html', 'prometheus'],
    [null, 'prometheus'],
  ])('takes %j as %s', (contentType, format) => {
    expect(formatOf(contentType)).toBe(format);
  });
});
