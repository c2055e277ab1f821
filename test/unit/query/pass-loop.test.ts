import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Timers } from '../../../src/collectors/scheduler.js';
import { OrgRoller, PassLoop } from '../../../src/query/pass-loop.js';

/** Timers that run only when told, recording each delay asked for. */
class StepTimers implements Timers {
  readonly delays: number[] = [];
  private due: (() => void) | undefined;
  set(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    this.due = fn;
    return fn;
  }
  clear(handle: unknown): void {
    if (this.due === handle) this.due = undefined;
  }
  get waiting(): boolean {
    return this.due !== undefined;
  }
  /** Runs the timer that is due, then lets its pass settle. */
  async fire(): Promise<void> {
    const fn = this.due;
    this.due = undefined;
    fn?.();
    await new Promise((r) => setImmediate(r));
  }
}

describe('PassLoop', () => {
  it('passes at once, after a second while work is pending, else after the interval', async () => {
    const timers = new StepTimers();
    const outcomes: (boolean | Error)[] = [true, true, false, new Error('store down'), false];
    const warned: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warned.push(line) });
    let passes = 0;
    const loop = new PassLoop(timers, log, 'the pass failed', 30_000, () => {
      const o = outcomes[passes++]!;
      return o instanceof Error ? Promise.reject(o) : Promise.resolve(o);
    });
    loop.start();
    for (let i = 0; i < outcomes.length; i++) await timers.fire();
    expect(passes).toBe(5);
    expect(timers.delays).toEqual([0, 1000, 1000, 30_000, 30_000, 30_000]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('the pass failed');
    expect(warned[0]).toContain('store down');
  });

  it('stop waits for a pass in progress and schedules no more', async () => {
    const timers = new StepTimers();
    let release: () => void = () => undefined;
    let seenStopped = false;
    const loop = new PassLoop(timers, pino({ level: 'silent' }), 'failed', 30_000, async () => {
      await new Promise<void>((r) => (release = r));
      seenStopped = loop.stopped;
      return true;
    });
    loop.start();
    await timers.fire();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(seenStopped).toBe(true);
    expect(timers.waiting).toBe(false);
    expect(timers.delays).toEqual([0]);
  });
});

/** Rolls up `left[org]` items per organization, a share per pass; 'broken' always fails. */
class CountingRoller extends OrgRoller {
  constructor(
    orgs: () => Promise<string[]>,
    log: pino.Logger,
    private readonly items: Record<string, number>,
  ) {
    super(orgs, new StepTimers(), log, 'counting rollup', 30_000);
  }
  protected rollOrg(org: string): Promise<number> {
    if (org === 'broken') return Promise.reject(new Error('no such table'));
    this.items[org] = Math.max(0, (this.items[org] ?? 0) - 2);
    return Promise.resolve(this.items[org]);
  }
}

describe('OrgRoller', () => {
  it('keeps what each organization has left; one failing stops neither the others nor later passes', async () => {
    const warned: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warned.push(line) });
    let orgs = ['a', 'broken', 'c'];
    const roller = new CountingRoller(() => Promise.resolve(orgs), log, { a: 3, c: 1 });
    expect(roller.pending).toBeNaN();
    expect(await roller.pass()).toBe(true);
    expect(roller.pending).toBe(1);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('counting rollup failed; retrying later');
    expect(warned[0]).toContain('broken');
    expect(await roller.pass()).toBe(false);
    expect(roller.pending).toBe(0);
    // An organization that is gone no longer counts.
    const kept = new CountingRoller(() => Promise.resolve(orgs), log, { a: 9, c: 9 });
    await kept.pass();
    expect(kept.pending).toBe(14);
    orgs = ['c'];
    await kept.pass();
    expect(kept.pending).toBe(5);
  });
});
