import { z } from 'zod';

/** Roles of an organization's API keys. `ingest` keys only send telemetry. */
export const Role = z.enum(['admin', 'editor', 'viewer', 'ingest']);
export type Role = z.infer<typeof Role>;

/** What a route needs: one of the roles, or the platform administrator. */
export type RouteRole = 'platform' | 'admin' | 'editor' | 'viewer' | 'ingest';

/** Who is calling. The platform admin acts on every organization. */
export type Principal =
  | { kind: 'platform'; keyId: string; name: string }
  | { kind: 'org'; org: string; role: Role; keyId: string; name: string };

/** Read-write roles in increasing power; `ingest` is outside this order. */
const RANK: Partial<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3 };

/**
 * Whether a principal may call a route needing `needed` on organization `org` (null for
 * platform routes). The platform admin may do everything; a key acts only on its own
 * organization, with a role at least as strong as the route's.
 */
export function permits(p: Principal, needed: RouteRole, org: string | null): boolean {
  if (p.kind === 'platform') return true;
  if (needed === 'platform' || org !== p.org) return false;
  if (needed === 'ingest') return p.role === 'ingest' || p.role === 'admin' || p.role === 'editor';
  const have = RANK[p.role];
  return have !== undefined && have >= (RANK[needed] ?? Infinity);
}
