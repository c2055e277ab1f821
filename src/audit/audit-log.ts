import { canonicalJson } from '../lib/canonical-json.js';
import type { Clock } from '../lib/clock.js';
import type { AuditFilter, AuditRepo, AuditRow } from '../store/index.js';
import { chainBreak, entryHash, GENESIS_HASH } from './chain.js';
import { redactSecrets } from './redact.js';
import type { AuditEntry, Change, ChangeContext, VerifyResult } from './schemas.js';

/** An organization's trail, or the platform's (`null`). */
export type AuditScope = string | null;

/** Where trails are stored; the store provides one repository per scope. */
export interface AuditStorage {
  audit(scope: AuditScope): AuditRepo;
}

interface Tail {
  seq: number;
  hash: string;
}

const VERIFY_PAGE = 5000;

function parseJson(text: string): unknown {
  return text === '' ? null : JSON.parse(text);
}

/** The API view of a stored entry. */
export function toEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    time: new Date(r.time).toISOString(),
    actor: { type: r.actorType as AuditEntry['actor']['type'], id: r.actorId, name: r.actorName },
    action: r.action,
    resource: { type: r.resourceType, id: r.resourceId },
    before: parseJson(r.before),
    after: parseJson(r.after),
    requestId: r.requestId,
    clientAddress: r.clientAddress,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/**
 * Append-only, hash-chained audit trails, one per organization and one for the platform.
 * Appends to one trail are serialized in this process; the tail is read from the store
 * once and then kept, so this process must be the only writer of a trail.
 */
export class AuditLog {
  private readonly tails = new Map<string, Promise<Tail>>();

  constructor(
    private readonly storage: AuditStorage,
    private readonly clock: Clock,
  ) {}

  /** Appends an entry for a change and resolves once it is stored. */
  record(scope: AuditScope, ctx: ChangeContext, change: Change): Promise<AuditEntry> {
    const key = scope ?? '';
    const tail = this.tails.get(key) ?? this.loadTail(scope);
    const appended = tail.then(async (t) => {
      const repo = this.storage.audit(scope);
      const json = (v: unknown) => (v === undefined ? '' : canonicalJson(redactSecrets(v)));
      const unhashed = {
        seq: t.seq + 1,
        time: this.clock.now(),
        actorType: ctx.actor.type,
        actorId: ctx.actor.id,
        actorName: ctx.actor.name,
        action: change.action,
        resourceType: change.resourceType,
        resourceId: change.resourceId,
        before: json(change.before),
        after: json(change.after),
        requestId: ctx.requestId,
        clientAddress: ctx.clientAddress,
        prevHash: t.hash,
      };
      const row: AuditRow = { ...unhashed, hash: entryHash(unhashed) };
      await repo.append(row);
      return row;
    });
    // The next append waits for this one; after a failure it reloads the tail.
    this.tails.set(
      key,
      appended.then(
        (row) => ({ seq: row.seq, hash: row.hash }),
        () => this.loadTail(scope),
      ),
    );
    return appended.then(toEntry);
  }

  /** Entries of a trail, newest first. */
  async list(scope: AuditScope, filter: AuditFilter, limit: number): Promise<AuditRow[]> {
    return this.storage.audit(scope).list(filter, limit);
  }

  /**
   * Recomputes a trail's chain from its oldest kept entry (older ones may have passed
   * retention) and reports the first entry whose link or hash does not match.
   */
  async verify(scope: AuditScope): Promise<VerifyResult> {
    const repo = this.storage.audit(scope);
    let prev: AuditRow | undefined;
    let first: number | null = null;
    let entries = 0;
    for (;;) {
      const page = await repo.scan(prev?.seq ?? -1, VERIFY_PAGE);
      for (const e of page) {
        const reason = chainBreak(prev, e);
        first ??= e.seq;
        entries++;
        if (reason) {
          return {
            ok: false,
            entries,
            firstSeq: first,
            lastSeq: e.seq,
            firstMismatch: { seq: e.seq, reason },
          };
        }
        prev = e;
      }
      if (page.length < VERIFY_PAGE) break;
    }
    return { ok: true, entries, firstSeq: first, lastSeq: prev?.seq ?? null, firstMismatch: null };
  }

  private loadTail(scope: AuditScope): Promise<Tail> {
    return this.storage
      .audit(scope)
      .last()
      .then((r) => (r ? { seq: r.seq, hash: r.hash } : { seq: 0, hash: GENESIS_HASH }));
  }
}
