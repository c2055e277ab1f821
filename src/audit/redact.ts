/** Member names whose values never enter the audit trail. */
const SECRET_NAMES = /^(key|secret|token|password|hash|authorization)$/i;

/**
 * A copy of a value without secret members, at any depth. Callers pass public views of
 * resources already; this is the safety net that keeps a secret out if one slips in.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!SECRET_NAMES.test(k)) out[k] = redactSecrets(v);
  }
  return out;
}
