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

/** Characters that only hostile text puts in a name: quotes, the backslash and `;`. */
const HOSTILE = /['"`\\;]/;

/**
 * Whether text can be a name in a filter (a service, a metric, an attribute key): 1 to `max`
 * characters, none a control character, a quote, `\` or `;`. Names reach SQL only as bound
 * parameters; text with those characters is refused as hostile rather than looked up.
 */
export function isNameText(text: string, max = 256): boolean {
  return text.length > 0 && text.length <= max && !HOSTILE.test(text) && !hasControlCharacter(text);
}

/** What isNameText allows, for error messages. */
export const nameRule = (max = 256) =>
  `1 to ${max} characters without quotes, \\, ; or control characters`;

/** The characters of the filter syntax, which an attribute key cannot hold either. */
const KEY_SYNTAX = /[=!~,]/;
const MAX_KEY = 256;
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

/** Why a text is refused as an attribute key. */
export const NOT_A_KEY = `is not an attribute key (1 to ${MAX_KEY} characters without quotes, \\, ;, =, !, ~, commas or control characters)`;

/** Whether text can be an attribute key in a filter or a group-by (isNameText, and none of = ! ~ ,). */
function isAttributeKey(key: string): boolean {
  return isNameText(key, MAX_KEY) && !KEY_SYNTAX.test(key) && key.trim() === key;
}

/**
 * Parses `attr` query values: `key=value`, `key!=value`, `key~=substring` or `key` alone
 * (present). Keys are names (isAttributeKey); values are bound as parameters, so any text
 * is allowed there except control characters.
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
    if (!isAttributeKey(key)) {
      throw fieldError(param, `${JSON.stringify(rawKey.slice(0, 64))} ${NOT_A_KEY}`);
    }
    if (value.length > MAX_VALUE || hasControlCharacter(value)) {
      throw fieldError(param, `the value for ${key} is too long or has control characters`);
    }
    return { scope, key, op, value };
  });
}
