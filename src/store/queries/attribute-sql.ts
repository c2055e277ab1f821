/** An attribute condition as the store receives it (see src/query/attribute-filter.ts). */
export interface AttributeCondition {
  scope: 'resource' | 'item';
  key: string;
  op: 'eq' | 'ne' | 'contains' | 'exists';
  value: string;
}

/** A WHERE fragment and the parameters it binds. */
export interface SqlFragment {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Conditions on Map(String, String) attribute columns, keys and values bound as
 * parameters named `${prefix}k0`, `${prefix}v0`, ...; the column names come from the
 * caller's own constants, never from a request.
 */
export function attributeConditions(
  conditions: readonly AttributeCondition[],
  columns: { resource: string; item: string },
  prefix = 'attr',
): SqlFragment {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  conditions.forEach((c, i) => {
    const col = c.scope === 'resource' ? columns.resource : columns.item;
    const k = `${prefix}k${i}`;
    const v = `${prefix}v${i}`;
    params[k] = c.key;
    if (c.op === 'exists') {
      parts.push(`mapContains(${col}, {${k}:String})`);
      return;
    }
    params[v] = c.value;
    parts.push(comparison(`${col}[{${k}:String}]`, c.op, v, c.value));
  });
  return { sql: parts.join(' AND '), params };
}

/** `expr` compared with `value`, bound as `param`, by an `=`, `!=` or `~=` condition. */
export function comparison(
  expr: string,
  op: Exclude<AttributeCondition['op'], 'exists'>,
  param: string,
  value: string,
): string {
  if (op === 'eq') return `${expr} = {${param}:String}`;
  if (op === 'ne') return `${expr} != {${param}:String}`;
  return containsText(expr, param, value);
}

/**
 * Whether `expr` contains `text`, bound as `param`, in any case. The engine's
 * positionCaseInsensitiveUTF8 misses letters with more than two case forms (Greek ι and μ:
 * ΣΟΦΙΑ is not found for σοφια) once it has read a few dozen bytes, so a text with any
 * character beyond ASCII is matched as a regular expression of itself whose case folding
 * (re2's, which knows those forms, ς and σ among them) is Unicode's.
 */
export function containsText(expr: string, param: string, text: string): string {
  return ASCII.test(text)
    ? `positionCaseInsensitiveUTF8(${expr}, {${param}:String}) > 0`
    : `match(${expr}, concat('(?i)', regexpQuoteMeta({${param}:String})))`;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
