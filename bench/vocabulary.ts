/**
 * The vocabulary of the generated telemetry: services and their resources, routes, status
 * codes and the other values attributes are drawn from.
 */
import type { Random } from './random.js';

/** The thirty services telemetry comes from. */
export const SERVICES: readonly string[] = (
  'frontend checkout cart payment shipping email currency catalog recommendation ad quote ' +
  'fraud-detection accounting inventory search auth user-profile notification pricing review ' +
  'loyalty gateway order-history warehouse returns tax coupon session media reporting'
).split(' ');

export const ROUTES = [
  '/api/cart',
  '/api/checkout',
  '/api/products/{id}',
  '/api/users/{id}',
  '/api/orders',
  '/api/search',
  '/healthz',
  '/api/payments/{id}',
  '/api/recommendations',
  '/api/shipping/quote',
];
export const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE'];
export const STATUSES = [200, 200, 200, 200, 201, 204, 301, 400, 401, 404, 409, 429, 500, 503];
export const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'];
export const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'Mozilla/5.0 (Macintosh) Safari/17.5',
  'okhttp/4.12.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  'curl/8.8.0',
];
export const DB_OPS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
export const TABLES = ['orders', 'users', 'products', 'carts', 'payments', 'sessions'];
export const SEVERITIES: readonly [number, string][] = [
  [5, 'DEBUG'],
  [9, 'INFO'],
  [9, 'INFO'],
  [9, 'INFO'],
  [13, 'WARN'],
  [17, 'ERROR'],
];
export const ERRORS = [
  'java.net.SocketTimeoutException',
  'ConnectionResetError',
  'context deadline exceeded',
  'DuplicateKeyError',
  'ValueError',
];

export type Attr = { key: string; value: Record<string, unknown> };
export const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
export const int = (key: string, v: number): Attr => ({ key, value: { intValue: v } });
export const dbl = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });
export const bool = (key: string, v: boolean): Attr => ({ key, value: { boolValue: v } });

/** Epoch milliseconds (fractional) as a decimal string of nanoseconds. */
export function nanos(ms: number): string {
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.floor((ms - whole) * 1e6))).toString();
}

export interface ServiceInstance {
  resource: { attributes: Attr[] };
  scope: { name: string; version: string };
}

/** Three instances of each service, each with about fourteen resource attributes. */
export function instances(rnd: Random): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const service of SERVICES) {
    const language = rnd.pick(['java', 'nodejs', 'go', 'python', 'dotnet']);
    const version = `${rnd.int(1, 4)}.${rnd.int(0, 30)}.${rnd.int(0, 9)}`;
    for (let i = 0; i < 3; i++) {
      const pod = `${service}-${rnd.hex(4)}-${rnd.hex(3)}`;
      out.push({
        resource: {
          attributes: [
            str('service.name', service),
            str('service.namespace', 'shop'),
            str('service.version', version),
            str('service.instance.id', rnd.hex(8)),
            str('deployment.environment.name', rnd.pick(['production', 'production', 'staging'])),
            str('host.name', `node-${rnd.int(1, 40)}.cluster.local`),
            str('host.arch', rnd.pick(['amd64', 'arm64'])),
            str('os.type', 'linux'),
            str('telemetry.sdk.name', 'opentelemetry'),
            str('telemetry.sdk.language', language),
            str('telemetry.sdk.version', `1.${rnd.int(20, 40)}.0`),
            str('k8s.namespace.name', 'shop'),
            str('k8s.pod.name', pod),
            str('cloud.region', rnd.pick(REGIONS)),
          ],
        },
        scope: { name: `io.opentelemetry.${language}.${service}`, version: version },
      });
    }
  }
  return out;
}
