import { fieldError } from '../../lib/errors.js';
import { NOT_A_KEY, parseAttributeFilters } from '../attribute-filter.js';

/** The most keys a series query may group by. */
export const MAX_GROUP_BY = 5;

/**
 * One key of a series query's groupBy: `label` as the caller wrote it (the key of the
 * series' labels), and where its value comes from: ServiceName for `service.name`, a
 * resource attribute for `resource.KEY`, else the point's attribute KEY.
 */
export interface GroupKey {
  label: string;
  column: 'service' | 'resource' | 'item';
  key: string;
}

/** Parses one key that names an attribute (`key` or `resource.key`), for groupBy and labels. */
export function parseAttributeKey(text: string, param: string): GroupKey {
  const [filter] = parseAttributeFilters([text], param);
  if (!filter || filter.op !== 'exists') {
    throw fieldError(param, `${JSON.stringify(text.slice(0, 64))} ${NOT_A_KEY}`);
  }
  const label = text.trim();
  if (label === 'service.name') return { label, column: 'service', key: 'service.name' };
  return { label, column: filter.scope === 'resource' ? 'resource' : 'item', key: filter.key };
}

/**
 * The groupBy keys of a series query: repeated values and comma-separated lists, at most
 * MAX_GROUP_BY distinct keys, each a valid attribute key.
 */
export function parseGroupBy(values: readonly string[]): GroupKey[] {
  const texts = [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (texts.length > MAX_GROUP_BY) {
    throw fieldError('groupBy', `at most ${MAX_GROUP_BY} keys`);
  }
  return texts.map((t) => parseAttributeKey(t, 'groupBy'));
}
