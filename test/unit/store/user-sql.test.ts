import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readCapped, withoutForeignHint } from '../../../src/store/user-sql.js';

describe('withoutForeignHint', () => {
  it('leaves out a hint that names a table of a database, and keeps others', () => {
    expect(
      withoutForeignHint(
        "Unknown table expression identifier 'api_keys' in scope SELECT * FROM api_keys. Maybe you meant gridscope__platform.api_keys?. (UNKNOWN_TABLE)",
      ),
    ).toBe(
      "Unknown table expression identifier 'api_keys' in scope SELECT * FROM api_keys. (UNKNOWN_TABLE)",
    );
    const column = "Missing columns: 'Bodi'. Maybe you meant: ['Body']?";
    expect(withoutForeignHint(column)).toBe(column);
    expect(withoutForeignHint('Syntax error: failed at position 1')).toBe(
      'Syntax error: failed at position 1',
    );
  });

  it('takes the engine hint after a statement that quotes hint-like text', () => {
    const statement = "SELECT 'Maybe you meant a.b?' FROM nosuch";
    expect(withoutForeignHint(`in scope ${statement}. Maybe you meant gridscope_x.nosuch2?.`)).toBe(
      `in scope ${statement}.`,
    );
  });

  it('reads a line of a statement at the length limit in one pass', () => {
    // The line repeats the caller's statement: dots, spaces and hint-like text by the
    // hundred thousand, which a backtracking pattern would take seconds over.
    const filler = `${' Maybe you meant '}${'.'.repeat(50_000)}${' '.repeat(50_000)}`;
    const line = `in scope SELECT '${filler}' FROM nosuch`;
    expect(withoutForeignHint(line)).toBe(line);
    const hinted = `${line}. Maybe you meant other.nosuch?.`;
    expect(withoutForeignHint(hinted)).toBe(`${line}.`);
  });
});

describe('readCapped', () => {
  /** A stream of `n` chunks of `size` bytes that counts how many were pulled. */
  function chunks(n: number, size: number) {
    const seen = { pulled: 0 };
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < n; i++) {
          seen.pulled++;
          yield Buffer.alloc(size, 'x');
        }
      })(),
    );
    return { stream, seen };
  }

  it('gives the whole text up to the cap', async () => {
    const { stream } = chunks(4, 10);
    expect(await readCapped(stream, 40)).toBe('x'.repeat(40));
  });

  it('gives up past the cap without reading the rest, and destroys the stream', async () => {
    const { stream, seen } = chunks(100, 10);
    expect(await readCapped(stream, 35)).toBeNull();
    expect(seen.pulled).toBeLessThan(10);
    expect(stream.destroyed).toBe(true);
  });
});
