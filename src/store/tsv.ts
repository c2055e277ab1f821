/**
 * ClickHouse TabSeparated text for the writers. A top-level String field is escaped for
 * TSV; values inside Array and Map are single-quoted with backslash escapes, and that
 * quoted text is written as it is (it holds no raw tab or newline).
 */

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_REPLACE = /[\\\t\n\r\0]/g;
const QUOTED_SPECIAL = /[\\'\t\n\r\0]/;
const QUOTED_REPLACE = /[\\'\t\n\r\0]/g;

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

function escapeChar(c: string): string {
  return ESCAPES[c] ?? c;
}

/** A String column value in TSV. */
export function tsvString(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_REPLACE, escapeChar) : s;
}

/** A string literal inside an Array or Map value. */
export function quoted(s: string): string {
  return "'" + (QUOTED_SPECIAL.test(s) ? s.replace(QUOTED_REPLACE, escapeChar) : s) + "'";
}

/** A Map(String, String) value from parallel key and value arrays. */
export function mapText(keys: readonly string[], values: readonly string[]): string {
  if (keys.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += quoted(keys[i]!) + ':' + quoted(values[i]!);
  }
  return out + '}';
}

/** An Array(String) value. */
export function stringArrayText(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += quoted(items[i]!);
  }
  return out + ']';
}

/** An Array of numbers, or of values already in their text form (maps, dates). */
export function rawArrayText(items: readonly (string | number)[]): string {
  return '[' + items.join(',') + ']';
}

/** A Float64 value; ClickHouse reads nan, inf and -inf. */
export function floatText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}
