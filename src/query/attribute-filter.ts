import { fieldError } from '../lib/errors.js';

/**
 * One attribute condition of a search. `resource.` before a key targets resource
 * attributes; any other key targets the item's own attributes (span, log record, point).
 */
export interface AttributeFilter {
  scope: 'resource' | 'item';
  key: string;
  op: 'eq' | 'ne' | 'contains' | 'exists';
  value: string;
}

/** Attribute keys as OpenTelemetry semantic conventions and common SDKs write them. */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-/:@]{0,255}$/;
const MAX_VALUE = 1024;
/** The most attribute conditions one search may carry. */
export const MAX_ATTRIBUTE_FILTERS = 20;

/** Whether text holds a C0 control character or DEL. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Parses `attr` query values: `key=value`, `key!=value`, `key~=substring` or `key` alone
 * (present). Keys must look like attribute keys; values are bound as parameters, so any
 * text is allowed there except control characters.
 */
export function parseAttributeFilters(
  values: readonly string[],
  param = 'attr',
): AttributeFilter[] {
  if (values.length > MAX_ATTRIBUTE_FILTERS) {
    throw fieldError(param, `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters`);
  }
  return values.map((text) => {
    const m = /^([^=!~]+?)(!=|~=|=)(.*)$/s.exec(text);
    const rawKey = (m ? m[1]! : text).trim();
    const op = !m ? 'exists' : m[2] === '!=' ? 'ne' : m[2] === '~=' ? 'contains' : 'eq';
    const value = m ? m[3]! : '';
    const scope = rawKey.startsWith('resource.') ? 'resource' : 'item';
    const key = scope === 'resource' ? rawKey.slice('resource.'.length) : rawKey;
    if (!KEY.test(key)) {
      throw fieldError(
        param,
        `${JSON.stringify(rawKey.slice(0, 64))} is not an attribute key (letters, digits, _ . - / : @)`,
      );
    }
    if (value.length > MAX_VALUE || hasControlCharacter(value)) {
      throw fieldError(param, `the value for ${key} is too long or has control characters`);
    }
    return { scope, key, op, value };
  });
}
