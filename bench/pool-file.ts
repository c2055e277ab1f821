/**
 * Hands the pre-generated request pools to the raw-engine child process, so both phases
 * use byte-for-byte the same requests. File layout: repeated [items u32 LE][length u32 LE][body].
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signal } from '../src/ingest/otlp/proto.js';
import type { Pool, PooledRequest } from './payloads.js';

export function poolPath(dir: string, signal: Signal): string {
  return join(dir, `pool-${signal}.bin`);
}

export function writePool(dir: string, pool: Pool): void {
  const parts: Buffer[] = [];
  for (const r of pool.requests) {
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(r.items, 0);
    head.writeUInt32LE(r.body.length, 4);
    parts.push(head, r.body);
  }
  writeFileSync(poolPath(dir, pool.signal), Buffer.concat(parts));
}

export function readPool(dir: string, signal: Signal): Pool {
  const data = readFileSync(poolPath(dir, signal));
  const requests: PooledRequest[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const items = data.readUInt32LE(at);
    const length = data.readUInt32LE(at + 4);
    at += 8;
    if (at + length > data.length) throw new Error(`truncated pool file for ${signal}`);
    requests.push({ body: data.subarray(at, at + length), items });
    at += length;
  }
  return { signal, requests };
}
