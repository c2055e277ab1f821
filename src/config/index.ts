import { z } from 'zod';
import { ORG_ID } from '../lib/ids.js';

/**
 * The one place that reads flags and the environment. Every flag `--some-name` can also be
 * set as `GRIDSCOPE_SOME_NAME`; a flag wins over the environment.
 */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Parses `67108864`, `64MiB`, `512KiB`, `1GB`. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new Error(
      `not a size: ${JSON.stringify(text)} (use bytes, or KB, MB, GB, KiB, MiB, GiB)`,
    );
  return Math.floor(Number(m[1]) * unit);
}

const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  let n: number;
  try {
    n = typeof v === 'number' ? v : parseSize(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
  if (!Number.isSafeInteger(n) || n < 1) {
    ctx.addIssue({ code: 'custom', message: 'must be at least 1 byte' });
    return z.NEVER;
  }
  return n;
});
/**
 * A whole number from min to max, written in decimal digits: `z.coerce.number()` would
 * take a blank value for 0 and `0x10` for 16.
 */
function whole(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) {
        ctx.addIssue({ code: 'custom', message: `not a whole number: ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    })
    .pipe(z.number().min(min).max(max));
}
const count = whole(0);
const positive = whole(1);

/** An origin as browsers send it (`https://app.example:8443`), or `*`. */
function isOrigin(o: string): boolean {
  if (o === '*') return true;
  if (!URL.canParse(o)) return false;
  const url = new URL(o);
  return /^https?:$/.test(url.protocol) && url.origin === o;
}
/** The host (IPv6 without its brackets) and port of a listen address `host:port`. */
export function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

const addr = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port')
  .refine((a) => splitAddr(a).port <= 65535, 'the port must be 0 to 65535');
const orgId = z.string().regex(ORG_ID, 'lower-case letters, digits and _');

/**
 * Parses `TOKEN=ORG,TOKEN=ORG`. Errors name an entry by its place in the list, never by any
 * part of its token.
 */
export function parseTokens(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const place = new Map<string, number>();
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((pair, n) => {
    const i = pair.lastIndexOf('=');
    if (i <= 0 || i === pair.length - 1)
      throw new Error(`ingest token entry ${n + 1} of ${entries.length} must be TOKEN=ORG`);
    const org = pair.slice(i + 1);
    // Written the wrong way round (ORG=TOKEN), the text after = is the token: not shown.
    if (!orgId.safeParse(org).success) {
      throw new Error(
        `ingest token entry ${n + 1} of ${entries.length}: what follows its last = is no organization id (lower-case letters, digits and _)`,
      );
    }
    const token = pair.slice(0, i);
    const before = out.get(token);
    if (before !== undefined && before !== org) {
      throw new Error(
        `ingest token entries ${place.get(token)! + 1} and ${n + 1} give one token to two organizations, ${before} and ${org}`,
      );
    }
    out.set(token, org);
    place.set(token, n);
  });
  return out;
}

export interface FlagSpec {
  name: string;
  help: string;
  default?: string;
}

/** Every flag of `gridscope serve`, in the order --help lists them. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'data-dir', help: 'directory of the embedded ClickHouse engine', default: './data' },
  {
    name: 'clickhouse-url',
    help: 'use a ClickHouse server instead, e.g. http://user:pass@host:8123',
  },
  {
    name: 'clickhouse-cluster',
    help: 'generate DDL ON CLUSTER with replicated engines for this cluster',
  },
  {
    name: 'database-prefix',
    help: 'an organization ORG is stored in database PREFIX+ORG',
    default: 'gridscope_',
  },
  {
    name: 'default-org',
    help: 'organization of OTLP requests while no ingest tokens or keys exist, and of platform admin API calls naming none',
    default: 'default',
  },
  {
    name: 'ingest-tokens',
    help: 'TOKEN=ORG,TOKEN=ORG; when set (or once an ingest API key exists), OTLP requests need Authorization: Bearer TOKEN',
  },
  { name: 'otlp-grpc-addr', help: 'OTLP/gRPC listen address', default: '0.0.0.0:4317' },
  { name: 'otlp-http-addr', help: 'OTLP/HTTP listen address', default: '0.0.0.0:4318' },
  {
    name: 'http-addr',
    help: 'REST API, health, readiness and /metrics listen address',
    default: '0.0.0.0:8080',
  },
  {
    name: 'retention-traces-days',
    help: 'days to keep spans (0 keeps them forever)',
    default: '30',
  },
  {
    name: 'retention-logs-days',
    help: 'days to keep log records (0 keeps them forever)',
    default: '30',
  },
  {
    name: 'retention-metrics-days',
    help: 'days to keep metric points (0 keeps them forever)',
    default: '90',
  },
  {
    name: 'retention-audit-days',
    help: 'days to keep audit entries (0 keeps them forever)',
    default: '2557',
  },
  {
    name: 'auth',
    help: 'on: REST API calls need an API key; off: every call acts as platform admin (local experiments only)',
    default: 'on',
  },
  {
    name: 'bootstrap-admin-key',
    help: 'platform admin key set at the first start (else one is generated into DATA_DIR/bootstrap-admin.key)',
  },
  {
    name: 'api-rate-limit',
    help: 'REST API requests per second per key (or per client address without a key)',
    default: '50',
  },
  { name: 'api-rate-burst', help: 'REST API requests a key may make at once', default: '100' },
  { name: 'api-max-body-bytes', help: 'largest REST API request body (413)', default: '1MiB' },
  {
    name: 'cors-origins',
    help: 'origins allowed to call the REST API from a browser, comma-separated, or *',
  },
  {
    name: 'query-timeout-ms',
    help: 'longest a REST API read may run before it is stopped (413 LIMIT_EXCEEDED)',
    default: '30000',
  },
  {
    name: 'query-max-range-days',
    help: 'longest time range a REST API read may cover',
    default: '31',
  },
  {
    name: 'logs-max-page-bytes',
    help: 'most bytes of records one page of the logs search holds; a page reaching it ends early, with a cursor to the rest',
    default: '32MiB',
  },
  {
    name: 'sql-max-rows',
    help: 'most rows one answer of the SQL endpoint may have',
    default: '10000',
  },
  {
    name: 'sql-max-result-bytes',
    help: 'most bytes one answer of the SQL endpoint may have',
    default: '16MiB',
  },
  {
    name: 'sql-max-memory-bytes',
    help: 'most memory the engine may use for one statement of the SQL endpoint',
    default: '512MiB',
  },
  {
    name: 'http-request-timeout-ms',
    help: 'longest an HTTP request (OTLP/HTTP or REST API) may take to arrive, headers and body; a slower one is answered 408 and closed',
    default: '60000',
  },
  {
    name: 'max-request-bytes',
    help: 'largest OTLP request, after decompression (413 / RESOURCE_EXHAUSTED)',
    default: '64MiB',
  },
  {
    name: 'queue-max-bytes',
    help: 'row bytes queued or being written before requests are refused (429 / UNAVAILABLE)',
    default: '256MiB',
  },
  { name: 'batch-max-rows', help: 'a table batch is written at this many rows', default: '50000' },
  {
    name: 'batch-max-bytes',
    help: 'a table batch is written at this many bytes of rows',
    default: '64MiB',
  },
  {
    name: 'batch-max-delay-ms',
    help: 'a table batch is written this long after its first row, or later while the insert interval holds',
    default: '50',
  },
  {
    name: 'batch-min-interval-ms',
    help: 'while requests overlap, shortest time between two inserts of a table unless a batch is full (0: none)',
    default: '500',
  },
  {
    name: 'insert-retries',
    help: 'retries of a failed insert, with the same deduplication token',
    default: '3',
  },
  { name: 'insert-connections', help: 'engine sessions used for inserts', default: '2' },
  {
    name: 'read-connections',
    help: 'engine sessions used for reads, so a long read does not hold up the others',
    default: '2',
  },
  {
    name: 'write-nice',
    help: 'Linux nice value (0-19) of engine threads running inserts and roll-ups, so reads run first (needs CAP_SYS_NICE)',
    default: '10',
  },
  {
    name: 'shutdown-timeout-ms',
    help: 'on SIGTERM, longest wait for queued rows to be written and answered before exiting',
    default: '30000',
  },
  { name: 'log-level', help: 'trace, debug, info, warn, error, fatal or silent', default: 'info' },
  {
    name: 'collector-min-interval-ms',
    help: 'shortest scrape interval a collector may have (at least 100)',
    default: '5000',
  },
  {
    name: 'service-map-delay-ms',
    help: 'how long after its ten minutes end the service map rolls up their calls; later spans roll them up again (at least 60000)',
    default: '600000',
  },
  {
    name: 'metric-types-ttl-ms',
    help: "how long a metric's point types are kept for series reads (0: looked up on every read)",
    default: '60000',
  },
  {
    name: 'histogram-quarter-margin-ms',
    help: 'how long after its last write a quarter hour of histograms is rolled up for long reads; longer than an insert takes (1000 to 3600000)',
    default: '60000',
  },
];

export const Config = z
  .object({
    dataDir: z.string().min(1),
    clickhouseUrl: z.url().optional(),
    clickhouseCluster: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
    databasePrefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    defaultOrg: orgId,
    ingestTokens: z
      .string()
      .optional()
      .transform((s, ctx) => {
        try {
          return parseTokens(s ?? '');
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
          return z.NEVER;
        }
      }),
    otlpGrpcAddr: addr,
    otlpHttpAddr: addr,
    httpAddr: addr,
    retentionTracesDays: count,
    retentionLogsDays: count,
    retentionMetricsDays: count,
    retentionAuditDays: count,
    auth: z.enum(['on', 'off']),
    bootstrapAdminKey: z
      .string()
      .min(24, 'must be at least 24 characters')
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional(),
    apiRateLimit: positive,
    apiRateBurst: positive,
    apiMaxBodyBytes: size,
    corsOrigins: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const origins = (s ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean);
        for (const o of origins.filter((o) => !isOrigin(o))) {
          ctx.addIssue({
            code: 'custom',
            message: `not an origin: ${JSON.stringify(o)} (scheme://host[:port], no path or trailing /, or *)`,
          });
        }
        return origins;
      }),
    queryTimeoutMs: positive,
    queryMaxRangeDays: positive,
    logsMaxPageBytes: size,
    sqlMaxRows: positive,
    sqlMaxResultBytes: size,
    sqlMaxMemoryBytes: size,
    httpRequestTimeoutMs: positive,
    maxRequestBytes: size,
    queueMaxBytes: size,
    batchMaxRows: positive,
    batchMaxBytes: size,
    batchMaxDelayMs: positive,
    batchMinIntervalMs: count,
    insertRetries: count,
    insertConnections: positive,
    readConnections: whole(1, 16),
    writeNice: whole(0, 19),
    shutdownTimeoutMs: positive,
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    collectorMinIntervalMs: whole(100, 3_600_000),
    serviceMapDelayMs: whole(60_000, 86_400_000),
    metricTypesTtlMs: whole(0, 3_600_000),
    histogramQuarterMarginMs: whole(1000, 3_600_000),
  })
  .superRefine((c, ctx) => {
    const listeners = [
      ['otlpGrpcAddr', c.otlpGrpcAddr],
      ['otlpHttpAddr', c.otlpHttpAddr],
      ['httpAddr', c.httpAddr],
    ] as const;
    for (let i = 0; i < listeners.length; i++) {
      for (let j = 0; j < i; j++) {
        const [name, a] = listeners[i]!;
        const [other, b] = listeners[j]!;
        if (sameListener(a, b)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${a} is also the address of --${kebab(other)}; each listener needs its own port`,
          });
        }
      }
    }
    if (c.clickhouseCluster !== undefined && c.clickhouseUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clickhouseCluster'],
        message: 'needs --clickhouse-url: the embedded engine is not a cluster',
      });
    }
  });
export type Config = z.infer<typeof Config>;

/**
 * Whether two listen addresses would take the same port (port 0 picks a free one each):
 * the same host, or a wildcard of the other's family (`0.0.0.0` for IPv4, `::` for both,
 * as Linux binds it). `localhost` may resolve to 127.0.0.1 or ::1, so it is taken for both.
 */
function sameListener(a: string, b: string): boolean {
  const x = splitAddr(a);
  const y = splitAddr(b);
  if (x.port === 0 || x.port !== y.port) return false;
  // Host names are the same in any case (LOCALHOST).
  const hosts = (host: string) => {
    const h = host.toLowerCase();
    return h === 'localhost' ? ['127.0.0.1', '::1'] : [h];
  };
  return hosts(x.host).some((h) => hosts(y.host).some((k) => sameHost(h, k)));
}

function sameHost(x: string, y: string): boolean {
  if (x === y || x === '::' || y === '::') return true;
  const ipv4 = (host: string) => !host.includes(':');
  return (x === '0.0.0.0' && ipv4(y)) || (y === '0.0.0.0' && ipv4(x));
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const envName = (flag: string) => 'GRIDSCOPE_' + flag.toUpperCase().replace(/-/g, '_');

/** Builds the configuration from flag values and the environment; throws with every problem named. */
export function loadConfig(
  flags: Readonly<Record<string, string | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const raw: Record<string, string | undefined> = {};
  const fromEnvironment = new Set<string>();
  for (const f of FLAGS) {
    // An empty environment variable counts as unset, as `${VAR:-}` in compose files gives.
    const fromEnv = env[envName(f.name)] || undefined;
    raw[camel(f.name)] = flags[f.name] ?? fromEnv ?? f.default;
    if (flags[f.name] === undefined && fromEnv !== undefined) fromEnvironment.add(f.name);
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const flag = FLAGS.find((f) => camel(f.name) === key)?.name ?? key;
      const source = fromEnvironment.has(flag) ? ` (from ${envName(flag)})` : '';
      return `--${flag}${source}: ${i.message}`;
    });
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** The text of `gridscope --help`. */
export function helpText(): string {
  const lines = FLAGS.map((f) => {
    const def = f.default !== undefined ? ` (default ${f.default})` : '';
    return `  --${f.name.padEnd(24)} ${f.help}${def}\n  ${' '.repeat(26)} env ${envName(f.name)}`;
  });
  return `Usage: gridscope serve [flags]\n\nOpenTelemetry (OTLP) ingestion into ClickHouse.\n\nFlags:\n${lines.join('\n')}\n  --help                     show this text\n`;
}

export { envName };
