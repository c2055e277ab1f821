import { describe, expect, it } from 'vitest';
import {
  floatText,
  mapText,
  quoted,
  rawArrayText,
  stringArrayText,
  tsvString,
} from '../../../src/store/tsv.js';

describe('TSV text', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['new\nline', 'new\\nline'],
    ['back\\slash', 'back\\\\slash'],
    ['cr\rnul\0', 'cr\\rnul\\0'],
    ["it's", "it's"],
  ])('escapes a top-level string %j', (input, expected) => {
    expect(tsvString(input)).toBe(expected);
  });

  it('quotes strings inside arrays and maps, escaping quotes and controls once', () => {
    expect(quoted("it's\t\\")).toBe("'it\\'s\\t\\\\'");
    expect(mapText(['a', "b'c"], ['1', 'x\ny'])).toBe("{'a':'1','b\\'c':'x\\ny'}");
    expect(mapText([], [])).toBe('{}');
    expect(stringArrayText(['', 'x'])).toBe("['','x']");
    expect(rawArrayText([1, 2.5])).toBe('[1,2.5]');
  });

  it('writes the float values ClickHouse reads', () => {
    expect([NaN, Infinity, -Infinity, 0.1, -0].map(floatText)).toEqual([
      'nan',
      'inf',
      '-inf',
      '0.1',
      '0',
    ]);
  });
});
