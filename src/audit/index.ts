// Public API of the audit trail.
export { AuditLog, toEntry, type AuditScope, type AuditStorage } from './audit-log.js';
export { entryHash, chainBreak, GENESIS_HASH } from './chain.js';
export { redactSecrets, redactUrl } from './redact.js';
export { Actor, AuditEntry, VerifyResult, type Change, type ChangeContext } from './schemas.js';
