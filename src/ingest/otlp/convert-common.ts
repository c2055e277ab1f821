import { tsvString, type TableName, type TableRows } from '../../store/index.js';
import { attributesText, stringAttribute } from './attributes.js';
import type { Resource, Scope } from './model.js';

/** The result of turning one export request into rows. */
export interface Converted {
  parts: TableRows[];
  /** Items (spans, log records, data points) turned into rows. */
  accepted: number;
  /** Items refused, with `message` saying why. */
  rejected: number;
  message: string;
}

/** Resource fields, already in TSV text, shared by every row of the resource. */
export interface ResourceText {
  serviceName: string;
  attributes: string;
  schemaUrl: string;
  dropped: number;
}

export function resourceText(
  resource: Resource | null | undefined,
  schemaUrl: string | undefined,
): ResourceText {
  return {
    serviceName: tsvString(stringAttribute(resource?.attributes, 'service.name')),
    attributes: attributesText(resource?.attributes),
    schemaUrl: tsvString(schemaUrl ?? ''),
    dropped: resource?.droppedAttributesCount ?? 0,
  };
}

/** Scope fields, already in TSV text. */
export interface ScopeText {
  name: string;
  version: string;
  attributes: string;
  schemaUrl: string;
  dropped: number;
}

export function scopeText(
  scope: Scope | null | undefined,
  schemaUrl: string | undefined,
): ScopeText {
  return {
    name: tsvString(scope?.name ?? ''),
    version: tsvString(scope?.version ?? ''),
    attributes: attributesText(scope?.attributes),
    schemaUrl: tsvString(schemaUrl ?? ''),
    dropped: scope?.droppedAttributesCount ?? 0,
  };
}

const MAX_MESSAGES = 5;

/** Collects rows per table and the reasons items were refused. */
export class RowCollector {
  private readonly lines = new Map<TableName, string[]>();
  private readonly reasons = new Map<string, number>();
  accepted = 0;
  rejected = 0;

  add(table: TableName, line: string): void {
    let l = this.lines.get(table);
    if (!l) {
      l = [];
      this.lines.set(table, l);
    }
    l.push(line);
    this.accepted++;
  }

  reject(reason: string): void {
    this.rejected++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  result(): Converted {
    const parts: TableRows[] = [];
    for (const [table, l] of this.lines) {
      parts.push({ table, body: l.join('\n') + '\n', rows: l.length });
    }
    const reasons = [...this.reasons.entries()];
    const message = reasons
      .slice(0, MAX_MESSAGES)
      .map(([r, n]) => (n > 1 ? `${r} (${n} items)` : r))
      .join('; ');
    const more =
      reasons.length > MAX_MESSAGES ? `; and ${reasons.length - MAX_MESSAGES} more kinds` : '';
    return { parts, accepted: this.accepted, rejected: this.rejected, message: message + more };
  }
}

/** Checks an id's length; `allowEmpty` for optional ids such as a parent span id. */
export function validId(
  id: Uint8Array | null | undefined,
  length: number,
  allowEmpty: boolean,
): boolean {
  const n = id?.length ?? 0;
  if (n === 0) return allowEmpty;
  if (n !== length) return false;
  if (allowEmpty) return true;
  for (let i = 0; i < n; i++) if (id![i] !== 0) return true;
  return false; // a required id of all zeros is invalid per the OTLP specification
}
