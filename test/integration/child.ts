import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  proc: ChildProcess;
  ports: { otlpGrpc: number; otlpHttp: number; http: number };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: string[];
}

/** Starts `gridscope serve` in its own process on ephemeral ports; resolves once it listens. */
export function startChild(
  dataDir: string,
  flags: Record<string, string> = {},
): Promise<ChildServer> {
  const args = [
    '--import',
    'tsx',
    'src/cli.ts',
    'serve',
    '--data-dir',
    dataDir,
    '--otlp-grpc-addr',
    '127.0.0.1:0',
    '--otlp-http-addr',
    '127.0.0.1:0',
    '--http-addr',
    '127.0.0.1:0',
  ];
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  proc.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child did not start:\n${logs.join('')}`)),
      60_000,
    );
    void exited.then(() => reject(new Error(`child exited before starting:\n${logs.join('')}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          otlpGrpc?: number;
          otlpHttp?: number;
          http?: number;
        };
        if (entry.msg === 'gridscope started') {
          clearTimeout(timer);
          resolve({
            proc,
            exited,
            logs,
            ports: { otlpGrpc: entry.otlpGrpc!, otlpHttp: entry.otlpHttp!, http: entry.http! },
          });
        }
      } catch {
        // not a log line
      }
    });
  });
}
