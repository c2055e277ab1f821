import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/lib/canonical-json.js';
import { decodeCursor, encodeCursor } from '../../../src/lib/cursor.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' }, u: undefined });
    expect(a).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 })).toBe(a);
  });

  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('cursors', () => {
  it('round-trip their position', () => {
    const c = encodeCursor('audit', 42);
    expect(decodeCursor('audit', c, z.number())).toBe(42);
  });

  it('refuse a cursor of another list or garbage', () => {
    const c = encodeCursor('logs', 42);
    expect(() => decodeCursor('audit', c, z.number())).toThrow(/cursor: not a cursor/);
    expect(() => decodeCursor('audit', "x' OR 1=1", z.number())).toThrow(/cursor: not a cursor/);
  });
});
