/** Member names whose values never enter the audit trail. */
const SECRET_NAMES = /^(key|secret|token|password|hash|authorization)$/i;

/**
 * Query (or fragment) parameters of a URL whose values are taken for credentials
 * (`?token=`, `?api_key=`, `?X-Amz-Signature=`, ...): a scrape target's URL may carry one.
 */
const SECRET_PARAMS =
  /key|secret|token|passw|pwd|jwt|credential|signature|session|^pass$|^sig$|^auth(orization)?$/i;

/** What a secret query parameter's value reads as in the audit trail. */
export const REDACTED = 'redacted';

/**
 * A copy of a value without secret members, at any depth, and with the values of
 * credential-like query parameters of http(s) URLs replaced. Callers pass public views of
 * resources already; this is the safety net that keeps a secret out if one slips in.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!SECRET_NAMES.test(k)) out[k] = redactSecrets(v);
  }
  return out;
}

/**
 * An http(s) URL with its password and the values of credential-like query and fragment
 * parameters replaced; any other text as it is.
 */
export function redactUrl(text: string): string {
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) return text;
  const url = new URL(text);
  let changed = false;
  for (const name of new Set(url.searchParams.keys())) {
    if (SECRET_PARAMS.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  // A fragment may carry parameters as a query does (OAuth's implicit flow returns its
  // token there); only `name=value` parts whose name reads as a credential are replaced.
  if (url.hash.length > 1) {
    const parts = url.hash.slice(1).split('&');
    const kept = parts.map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      const name = part.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // not percent-encoded as it should be: its name is taken as written
      }
      return SECRET_PARAMS.test(decoded) ? `${name}=${REDACTED}` : part;
    });
    if (kept.some((part, i) => part !== parts[i])) {
      url.hash = kept.join('&');
      changed = true;
    }
  }
  if (url.password !== '') {
    url.password = REDACTED;
    changed = true;
  }
  return changed ? url.toString() : text;
}
