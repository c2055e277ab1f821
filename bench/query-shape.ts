/**
 * The shape of the query benchmark's bulk spans: a call graph over the thirty services,
 * expanded into traces (server and client spans across services, database and internal
 * spans, a message topic with consumers), laid out once into a fixed block of rows. The
 * bulk load repeats the block with fresh ids, times and durations, so every trace is one
 * of these shapes and the service map has real edges.
 */
import { Random } from './random.js';
import { SERVICES } from './vocabulary.js';

/**
 * What an operation does, in order: `svc.Op` calls another service (a client span here, a
 * server span there), `db:NAME` is a database call, `int:NAME` internal work, `pub:TOPIC`
 * publishes to a topic whose consumers each get a consumer span.
 */
const GRAPH: Record<string, Record<string, readonly string[]>> = {
  frontend: {
    'GET /': ['session.Get', 'catalog.ListProducts', 'ad.GetAds', 'recommendation.List'],
    'GET /api/products/{id}': ['catalog.GetProduct', 'currency.Convert', 'review.List'],
    'POST /api/cart': ['session.Get', 'cart.AddItem'],
    'POST /api/checkout': ['auth.Verify', 'checkout.PlaceOrder', 'int:render confirmation'],
    'GET /api/search': ['search.Query', 'int:render results'],
  },
  gateway: {
    'GET /v1/orders': ['auth.Verify', 'order-history.List'],
    'GET /v1/users/{id}': ['auth.Verify', 'user-profile.Get', 'loyalty.GetPoints'],
    'POST /v1/returns': ['auth.Verify', 'returns.Create'],
  },
  checkout: {
    PlaceOrder: [
      'cart.GetCart',
      'pricing.Quote',
      'coupon.Apply',
      'tax.Calculate',
      'payment.Charge',
      'shipping.ShipOrder',
      'cart.EmptyCart',
      'pub:orders',
    ],
  },
  cart: {
    AddItem: ['inventory.Check', 'db:HSET cart'],
    GetCart: ['db:HGETALL cart'],
    EmptyCart: ['db:DEL cart'],
  },
  catalog: {
    ListProducts: ['db:SELECT products', 'media.GetImages'],
    GetProduct: ['db:SELECT products', 'inventory.Check', 'pricing.Quote'],
  },
  session: { Get: ['db:GET session'] },
  ad: { GetAds: ['int:select ads'] },
  recommendation: { List: ['catalog.ListProducts', 'int:rank products'] },
  currency: { Convert: ['int:convert'] },
  review: { List: ['db:SELECT reviews'] },
  auth: { Verify: ['db:GET token'] },
  search: { Query: ['db:SEARCH products', 'pricing.Quote'] },
  payment: {
    Charge: ['fraud-detection.Score', 'int:call provider', 'db:INSERT payments'],
    Refund: ['int:call provider', 'db:INSERT refunds'],
  },
  shipping: { ShipOrder: ['quote.GetQuote', 'warehouse.Allocate', 'db:INSERT shipments'] },
  quote: { GetQuote: ['int:calculate quote'] },
  warehouse: { Allocate: ['inventory.Reserve', 'db:UPDATE bins'] },
  inventory: { Check: ['db:SELECT stock'], Reserve: ['db:UPDATE stock'] },
  pricing: { Quote: ['db:SELECT prices'] },
  coupon: { Apply: ['db:SELECT coupons'] },
  tax: { Calculate: ['int:calculate tax'] },
  'fraud-detection': { Score: ['db:SELECT risk_profiles', 'int:score'] },
  'order-history': { List: ['db:SELECT orders'], Get: ['db:SELECT orders'] },
  'user-profile': { Get: ['db:SELECT users'] },
  loyalty: { GetPoints: ['db:SELECT points'], 'orders process': ['db:UPDATE points'] },
  returns: { Create: ['order-history.Get', 'payment.Refund', 'db:INSERT returns'] },
  accounting: { 'orders process': ['db:INSERT ledger'] },
  email: { 'orders process': ['int:render email', 'notification.Send'] },
  notification: { Send: ['int:deliver'] },
  reporting: { 'orders process': ['db:INSERT facts'], GenerateReport: ['db:SELECT orders'] },
  media: { GetImages: ['db:GET images'] },
};

const TOPICS: Record<string, readonly string[]> = {
  orders: ['accounting', 'email', 'loyalty', 'reporting'],
};

/** Entry operations and how often a trace starts with each. */
const ENTRIES: readonly [string, string, number][] = [
  ['frontend', 'GET /', 3],
  ['frontend', 'GET /api/products/{id}', 5],
  ['frontend', 'POST /api/cart', 2],
  ['frontend', 'POST /api/checkout', 1],
  ['frontend', 'GET /api/search', 2],
  ['gateway', 'GET /v1/orders', 1],
  ['gateway', 'GET /v1/users/{id}', 1],
  ['gateway', 'POST /v1/returns', 0.3],
  ['reporting', 'GenerateReport', 0.1],
];

export const SPAN_KINDS = [
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
type Kind = (typeof SPAN_KINDS)[number];

/** One span of the block; offsets and medians are in microseconds. */
export interface LayoutRow {
  service: number;
  name: number;
  kind: number;
  /** Row of the parent span in the block, or -1 for a root. */
  parent: number;
  /** Which trace of the block the span belongs to. */
  slot: number;
  offsetUs: number;
  medianUs: number;
}

export interface Layout {
  rows: LayoutRow[];
  names: string[];
  traces: number;
}

interface Node {
  service: string;
  name: string;
  kind: Kind;
  parent: number;
  offsetUs: number;
  medianUs: number;
}

/** Spans of one trace from an entry operation, depth first (parents before children). */
function expand(rnd: Random, service: string, op: string): Node[] {
  const out: Node[] = [];
  const add = (n: Node) => out.push(n) - 1;
  const serve = (svc: string, name: string, kind: Kind, parent: number, at: number): number => {
    const self = add({ service: svc, name, kind, parent, offsetUs: at, medianUs: 0 });
    let t = at + 150 + rnd.int(0, 400);
    for (const step of GRAPH[svc]?.[name] ?? []) {
      const [head, rest] = step.includes(':') ? step.split(':') : ['call', step];
      if (head === 'db' || head === 'int') {
        const medianUs = head === 'db' ? rnd.int(800, 6000) : rnd.int(200, 4000);
        const kind = head === 'db' ? 'SPAN_KIND_CLIENT' : 'SPAN_KIND_INTERNAL';
        add({ service: svc, name: rest!, kind, parent: self, offsetUs: t, medianUs });
        t += medianUs + 100;
      } else if (head === 'pub') {
        const p = add({
          service: svc,
          name: `publish ${rest!}`,
          kind: 'SPAN_KIND_PRODUCER',
          parent: self,
          offsetUs: t,
          medianUs: 900,
        });
        for (const consumer of TOPICS[rest!] ?? []) {
          serve(consumer, `${rest!} process`, 'SPAN_KIND_CONSUMER', p, t + rnd.int(2000, 30000));
        }
        t += 1000;
      } else {
        const [callee, calleeOp] = [
          rest!.slice(0, rest!.lastIndexOf('.')),
          rest!.split('.').pop()!,
        ];
        const c = add({
          service: svc,
          name: `${callee}/${calleeOp}`,
          kind: 'SPAN_KIND_CLIENT',
          parent: self,
          offsetUs: t,
          medianUs: 0,
        });
        const s = serve(callee, calleeOp, 'SPAN_KIND_SERVER', c, t + rnd.int(200, 900));
        out[c]!.medianUs = out[s]!.medianUs + 1200;
        t += out[c]!.medianUs + 200;
      }
    }
    out[self]!.medianUs = Math.max(t - at + 300, rnd.int(1000, 5000));
    return self;
  };
  const kind = op === 'GenerateReport' ? 'SPAN_KIND_INTERNAL' : 'SPAN_KIND_SERVER';
  serve(service, op, kind, -1, 0);
  return out;
}

/**
 * A block of exactly `size` span rows made of whole traces, drawn from the entry
 * operations by weight; the last few rows are health checks of one span each.
 */
export function buildLayout(size: number, seed: number): Layout {
  const rnd = new Random(seed * 31 + 7);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameOf = (s: string) => {
    let i = nameIndex.get(s);
    if (i === undefined) nameIndex.set(s, (i = names.push(s)));
    return i;
  };
  const total = ENTRIES.reduce((a, e) => a + e[2], 0);
  const rows: LayoutRow[] = [];
  let traces = 0;
  while (rows.length < size) {
    let trace: Node[];
    if (rnd.chance(0.1)) {
      trace = [{ ...HEALTH, service: rnd.pick(SERVICES), medianUs: rnd.int(100, 600) }];
    } else {
      let r = rnd.next() * total;
      const entry = ENTRIES.find((e) => (r -= e[2]) < 0) ?? ENTRIES[0]!;
      trace = expand(rnd, entry[0], entry[1]);
    }
    if (rows.length + trace.length > size) {
      trace = [{ ...HEALTH, service: rnd.pick(SERVICES), medianUs: rnd.int(100, 600) }];
    }
    const base = rows.length;
    for (const n of trace) {
      rows.push({
        service: SERVICES.indexOf(n.service) + 1,
        name: nameOf(n.name),
        kind: SPAN_KINDS.indexOf(n.kind) + 1,
        parent: n.parent < 0 ? -1 : base + n.parent,
        slot: traces,
        offsetUs: n.offsetUs,
        medianUs: n.medianUs,
      });
    }
    traces++;
  }
  if (rows.some((r) => r.service === 0)) throw new Error('call graph names an unknown service');
  return { rows, names, traces };
}

const HEALTH: Node = {
  service: 'frontend',
  name: 'GET /healthz',
  kind: 'SPAN_KIND_SERVER',
  parent: -1,
  offsetUs: 0,
  medianUs: 300,
};
