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
    if (c.op === 'eq') parts.push(`${col}[{${k}:String}] = {${v}:String}`);
    else if (c.op === 'ne') parts.push(`${col}[{${k}:String}] != {${v}:String}`);
    else parts.push(`positionCaseInsensitiveUTF8(${col}[{${k}:String}], {${v}:String}) > 0`);
  });
  return { sql: parts.join(' AND '), params };
}
