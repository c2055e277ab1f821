import { describe, expect, it } from 'vitest';
import { otelUnit } from '../../../src/collectors/units.js';

describe('otelUnit', () => {
  it.each([
    ['seconds', 's'],
    ['milliseconds', 'ms'],
    ['bytes', 'By'],
    ['mebibytes', 'MiBy'],
    ['celsius', 'Cel'],
    ['ratio', '1'],
    ['percent', '%'],
    ['bytes_per_second', 'By/s'],
    ['requests_per_minute', 'requests/m'],
    ['joules_per_fortnight', 'J/fortnight'],
    ['requests', 'requests'],
    ['', ''],
  ])('%j is %j', (unit, want) => {
    expect(otelUnit(unit)).toBe(want);
  });
});
