import { describe, expect, it } from 'vitest';
import { CHOSEN_KEY_PREFIX, generateKey, keyPrefix } from '../../../src/auth/key-ring.js';

describe('keyPrefix', () => {
  it('shows a generated key by its first characters', () => {
    const key = generateKey();
    expect(keyPrefix(key, false)).toBe(key.slice(0, 10));
    expect(keyPrefix(key, false)).toMatch(/^gsk_[A-Za-z0-9_-]{6}$/);
  });

  it('shows nothing of a chosen key, even one in the generated keys’ format', () => {
    for (const key of ['adminadminadmin-chosen-by-hand', `gsk_${'a'.repeat(43)}`]) {
      expect(keyPrefix(key, true)).toBe(CHOSEN_KEY_PREFIX);
      expect(keyPrefix(key, true)).not.toContain(key.slice(0, 3));
    }
  });
});
