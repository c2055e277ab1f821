import { z } from 'zod';

/** Who made a change: an API key, the platform admin, everyone (auth off), or Gridscope itself. */
export const Actor = z.object({
  type: z.enum(['key', 'platform', 'anonymous', 'system']),
  id: z.string(),
  name: z.string(),
});
export type Actor = z.infer<typeof Actor>;

/** The circumstances of a change, recorded with it. */
export interface ChangeContext {
  actor: Actor;
  requestId: string;
  clientAddress: string;
}

/** A change to record. `before` is absent for a creation, `after` for a deletion. */
export interface Change {
  action: string;
  resourceType: string;
  resourceId: string;
  before?: unknown;
  after?: unknown;
}

export const AuditEntry = z.object({
  seq: z.number().int(),
  time: z.iso.datetime(),
  actor: Actor,
  action: z.string(),
  resource: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  requestId: z.string(),
  clientAddress: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const VerifyResult = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  firstMismatch: z
    .object({ seq: z.number().int(), reason: z.string() })
    .nullable()
    .describe('the first entry whose hash or link does not match, if any'),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
