/**
 * Starts the raw-engine phase (bench/raw-engine.ts) in a child process of its own, since
 * the embedded engine binds one data directory per process, and collects its figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Signal } from '../src/ingest/otlp/proto.js';

/** What one signal's raw inserts achieved; the raw-engine child prints one per signal. */
export interface RawResult {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  inserts: number;
  avgBatchRows: number;
  avgBatchBytes: number;
}

export interface RawPhaseOptions {
  /** The package root, where `bench/raw-engine.ts` is found. */
  root: string;
  poolDir: string;
  dataDir: string;
  /** Seconds of inserts per signal. */
  seconds: number;
  /** Engine sessions inserting at once. */
  sessions: number;
  /** The server's batch limits, which the raw batches follow. */
  batchRows: number;
  batchBytes: number;
  onSpawn: (child: ChildProcess) => void;
}

/** Runs the child to completion; its progress goes to our stderr. */
export function runRawPhase(opts: RawPhaseOptions): Promise<Record<Signal, RawResult>> {
  const args = [
    ...['--import', 'tsx', 'bench/raw-engine.ts'],
    ...['--data-dir', opts.dataDir, '--pools', opts.poolDir],
    ...['--duration', String(opts.seconds), '--sessions', String(opts.sessions)],
    ...['--batch-rows', String(opts.batchRows), '--batch-bytes', String(opts.batchBytes)],
  ];
  const child = spawn(process.execPath, args, {
    cwd: opts.root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  opts.onSpawn(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  // Three signals of inserts, plus generous time for preparing rows and the schema.
  const timer = setTimeout(() => child.kill('SIGKILL'), (opts.seconds * 3 + 600) * 1000);
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`raw-engine phase failed (code ${code}, signal ${signal})`));
        return;
      }
      try {
        resolve(JSON.parse(last) as Record<Signal, RawResult>);
      } catch {
        reject(new Error(`raw-engine phase printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}
