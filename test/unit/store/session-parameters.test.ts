import { describe, expect, it } from 'vitest';
import { sessionParameterStatement } from '../../../src/store/client.js';
import { stringLiteral } from '../../../src/store/ddl.js';

describe('parameters set on the session', () => {
  it('precede the statement, each value in the text a server receives, as a literal', () => {
    const sql = sessionParameterStatement('SELECT {s:String}, {n:Int64}, {a:Array(String)}', {
      s: "it's a \\ test\n",
      n: -5,
      a: ["x'y", 'z'],
    });
    expect(sql.split(';\n')).toEqual([
      String.raw`SET param_s = 'it\\\'s a \\\\ test\\n'`,
      "SET param_n = '-5'",
      String.raw`SET param_a = '[\'x\\\'y\',\'z\']'`,
      'SELECT {s:String}, {n:Int64}, {a:Array(String)}',
    ]);
  });

  it('refuse a placeholder without a value, which would take an earlier statement’s', () => {
    expect(() => sessionParameterStatement('SELECT {a:UInt8} + { b : UInt8}', { a: 1 })).toThrow(
      'query parameter b is not set',
    );
  });

  it('refuse a parameter name that is not an identifier', () => {
    expect(() => sessionParameterStatement('SELECT 1', { 'a = 1; DROP': 1 })).toThrow(
      /invalid query parameter name/,
    );
  });
});

describe('string literals', () => {
  it('escape quotes, backslashes and NUL, and nothing else', () => {
    expect(stringLiteral("a'b\\c\0d\ne")).toBe(String.raw`'a\'b\\c\0d` + "\ne'");
  });
});
