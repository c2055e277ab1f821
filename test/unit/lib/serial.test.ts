import { describe, expect, it } from 'vitest';
import { Serial } from '../../../src/lib/serial.js';

describe('Serial', () => {
  it('runs tasks one at a time in order, past a task that fails', async () => {
    const serial = new Serial();
    const events: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      serial.run(task('a', 20)),
      serial.run(task('b', 1, true)),
      serial.run(task('c', 5)),
    ]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'c' });
  });
});
