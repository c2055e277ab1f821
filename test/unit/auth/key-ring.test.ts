import { describe, expect, it } from 'vitest';
import { generateKey, keyDigest, keyPrefix } from '../../../src/auth/key-ring.js';

describe('keyPrefix', () => {
  it('shows a generated key by its first characters', () => {
    const key = generateKey();
    expect(keyPrefix(key)).toBe(key.slice(0, 10));
    expect(keyPrefix(key)).toMatch(/^gsk_[A-Za-z0-9_-]{6}$/);
  });

  it('shows no part of a chosen key, only its digest’s first hex digits', () => {
    const key = 'adminadminadmin-chosen-by-hand';
    expect(keyPrefix(key)).toBe(`#${keyDigest(key).slice(0, 8)}`);
    expect(keyPrefix(key)).not.toContain(key.slice(0, 3));
    expect(keyPrefix('another-chosen-key-of-24+')).not.toBe(keyPrefix(key));
  });
});
