import { z } from 'zod';
import { chTime, Millis, type Db } from './sql.js';

/** An audit entry as stored. `before`/`after` are JSON text, empty when absent. */
export const AuditRow = z.object({
  seq: z.coerce.number().int(),
  time: Millis,
  actorType: z.string(),
  actorId: z.string(),
  actorName: z.string(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  before: z.string(),
  after: z.string(),
  requestId: z.string(),
  clientAddress: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRow = z.infer<typeof AuditRow>;

const COLUMNS = `Seq AS seq, toUnixTimestamp64Milli(Time) AS time, ActorType AS actorType,
  ActorId AS actorId, ActorName AS actorName, Action AS action, ResourceType AS resourceType,
  ResourceId AS resourceId, Before AS before, After AS after, RequestId AS requestId,
  ClientAddress AS clientAddress, PrevHash AS prevHash, Hash AS hash`;

/** What a listing of audit entries may be narrowed by; all optional. */
export interface AuditFilter {
  fromMs?: number | undefined;
  toMs?: number | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  actorId?: string | undefined;
  /** Only entries with a sequence number below this one (newest first paging). */
  beforeSeq?: number | undefined;
}

/** One database's audit trail: appends, newest-first listings, and ordered scans. */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  /** The newest entry, or undefined for an empty trail. */
  async last(): Promise<AuditRow | undefined> {
    const rows = await this.db.rows(
      AuditRow,
      `SELECT ${COLUMNS} FROM {db:Identifier}.gridscope_audit_log ORDER BY Seq DESC LIMIT 1`,
    );
    return rows[0];
  }

  append(e: AuditRow): Promise<void> {
    return this.db.insert('gridscope_audit_log', [
      {
        Seq: e.seq,
        Time: chTime(e.time),
        ActorType: e.actorType,
        ActorId: e.actorId,
        ActorName: e.actorName,
        Action: e.action,
        ResourceType: e.resourceType,
        ResourceId: e.resourceId,
        Before: e.before,
        After: e.after,
        RequestId: e.requestId,
        ClientAddress: e.clientAddress,
        PrevHash: e.prevHash,
        Hash: e.hash,
      },
    ]);
  }

  /** Entries matching the filter, newest first. */
  list(f: AuditFilter, limit: number): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit };
    const add = (cond: string, name: string, value: unknown) => {
      if (value === undefined) return;
      where.push(cond);
      params[name] = value;
    };
    add('Time >= fromUnixTimestamp64Milli({fromMs:Int64})', 'fromMs', f.fromMs);
    add('Time < fromUnixTimestamp64Milli({toMs:Int64})', 'toMs', f.toMs);
    add('Action = {action:String}', 'action', f.action);
    add('ResourceType = {resourceType:String}', 'resourceType', f.resourceType);
    add('ResourceId = {resourceId:String}', 'resourceId', f.resourceId);
    add('ActorId = {actorId:String}', 'actorId', f.actorId);
    add('Seq < {beforeSeq:UInt64}', 'beforeSeq', f.beforeSeq);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.db.rows(
      AuditRow,
      `SELECT ${COLUMNS} FROM {db:Identifier}.gridscope_audit_log ${filter}
       ORDER BY Seq DESC LIMIT {limit:UInt32}`,
      params,
    );
  }

  /** Entries after `afterSeq` in sequence order, at most `limit`; for verifying the chain. */
  scan(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return this.db.rows(
      AuditRow,
      `SELECT ${COLUMNS} FROM {db:Identifier}.gridscope_audit_log
       WHERE Seq > {afterSeq:Int64} ORDER BY Seq LIMIT {limit:UInt32}`,
      { afterSeq, limit },
    );
  }
}
