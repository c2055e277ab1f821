import {
  NativeWriter,
  renderMap,
  renderString,
  TABLE_SCHEMAS,
  type MapCell,
  type TableName,
  type TableRows,
} from '../../store/index.js';
import { findServiceName, writeAnyValue, writeAttributes } from './wire-values.js';
import { expectWire, WIRE_LEN, WIRE_VARINT, type Range, WireReader } from './wire.js';

/** The result of turning one export request into rows. */
export interface Converted {
  parts: TableRows[];
  /** Items (spans, log records, data points) turned into rows. */
  accepted: number;
  /** Items refused, with `message` saying why. */
  rejected: number;
  message: string;
  /** Traces: the earliest and latest start of the spans turned into rows, Unix ms. */
  spanStartMs?: { fromMs: number; toMs: number };
}

const MAX_MESSAGES = 5;

/** Collects rows per table, as a Native block each, and the reasons items were refused. */
export class RowCollector {
  private readonly writers = new Map<TableName, NativeWriter>();

  private readonly reasons = new Map<string, number>();
  accepted = 0;
  rejected = 0;

  /**
   * The writer for a table's rows. A row is ended by `commit`; an item is refused with
   * `reject` before any of its row is written.
   */
  writer(table: TableName): NativeWriter {
    let w = this.writers.get(table);
    if (!w) {
      w = new NativeWriter(TABLE_SCHEMAS[table]);
      this.writers.set(table, w);
    }
    return w;
  }

  /** Ends the row being written to `table`. */
  commit(table: TableName): void {
    this.writers.get(table)!.endRow();
    this.accepted++;
  }

  reject(reason: string, count = 1): void {
    this.rejected += count;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + count);
  }

  result(): Converted {
    const parts: TableRows[] = [];
    for (const [table, w] of this.writers) {
      if (w.rows > 0) parts.push({ table, body: w.finish(), rows: w.rows });
    }
    const reasons = [...this.reasons.entries()];
    const message = reasons
      .slice(0, MAX_MESSAGES)
      .map(([r, n]) => `${r} (${n} ${n === 1 ? 'item' : 'items'})`)
      .join('; ');
    const more =
      reasons.length > MAX_MESSAGES ? `; and ${reasons.length - MAX_MESSAGES} more kinds` : '';
    return { parts, accepted: this.accepted, rejected: this.rejected, message: message + more };
  }
}

/**
 * Resource fields encoded once and copied into every row of the resource: strings for
 * `NativeWriter.encoded`, attributes for `NativeWriter.mapCell`.
 */
export interface ResourceText {
  serviceName: Uint8Array;
  attributes: MapCell;
  schemaUrl: Uint8Array;
  dropped: number;
}

/** Scope fields encoded once and copied into every row of the scope. */
export interface ScopeText {
  name: Uint8Array;
  version: Uint8Array;
  attributes: MapCell;
  schemaUrl: Uint8Array;
  dropped: number;
}

/**
 * A Resource* or Scope* group message: its field 1 (the resource or scope), every field 2
 * (the children: scope groups, spans, log records or metrics) and field 3 (schema_url).
 * Encoders write schema_url after the children, so the group is scanned before use.
 */
export interface Group {
  /** Field 1 as often as it came: protobuf merges a message field given more than once. */
  heads: Range[];
  children: Range[];
  schemaUrl: Range;
}

export function scanGroup(r: WireReader, start: number, end: number): Group {
  const group: Group = { heads: [], children: [], schemaUrl: { start: 0, end: 0 } };
  r.at(start, end);
  while (r.more()) {
    const t = r.tag();
    const f = t >>> 3;
    if (f >= 1 && f <= 3) {
      expectWire(t, WIRE_LEN);
      const range = r.range();
      if (f === 1) group.heads.push(range);
      else if (f === 2) group.children.push(range);
      else group.schemaUrl = range;
    } else {
      r.skip(t);
    }
  }
  return group;
}

/** Every field-1 message of an Export*ServiceRequest: its resource groups. */
export function scanRequest(r: WireReader): Range[] {
  const out: Range[] = [];
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      expectWire(t, WIRE_LEN);
      out.push(r.range());
    } else {
      r.skip(t);
    }
  }
  return out;
}

/** An empty String value: its length, zero. */
export const EMPTY = Uint8Array.of(0);
const EMPTY_MAP: MapCell = { count: 0, keys: new Uint8Array(0), values: new Uint8Array(0) };

/**
 * Walks an encoded Export*ServiceRequest, calling `visit` for every item (span, log record
 * or metric) with the encoded fields of its resource and scope. `visit` may move the reader.
 */
export function forEachItem(
  r: WireReader,
  visit: (item: Range, res: ResourceText, scope: ScopeText) => void,
): void {
  for (const rg of scanRequest(r)) {
    const resourceGroup = scanGroup(r, rg.start, rg.end);
    const res = resourceText(r, resourceGroup);
    for (const sg of resourceGroup.children) {
      const scopeGroup = scanGroup(r, sg.start, sg.end);
      const scope = scopeText(r, scopeGroup);
      for (const item of scopeGroup.children) visit(item, res, scope);
    }
  }
}

/**
 * The group's resource or scope with a reader over it. Given more than once, the messages
 * merge as protobuf merges them, which for these (scalars, where the last counts, and
 * repeated attributes) is reading their bytes one after another.
 */
function headOf(r: WireReader, group: Group): { r: WireReader; head: Range } | null {
  const [first, ...more] = group.heads;
  if (first === undefined) return null;
  if (more.length === 0) return { r, head: first };
  const merged = Buffer.concat(group.heads.map((h) => r.buf.subarray(h.start, h.end)));
  return { r: new WireReader(merged), head: { start: 0, end: merged.length } };
}

/** Renders a Resource (attributes = 1, dropped_attributes_count = 2). */
export function resourceText(reader: WireReader, group: Group): ResourceText {
  const url = renderString((s) => s.str(reader.buf, group.schemaUrl.start, group.schemaUrl.end));
  const found = headOf(reader, group);
  if (!found) return { serviceName: EMPTY, attributes: EMPTY_MAP, schemaUrl: url, dropped: 0 };
  const { r, head } = found;
  const service = findServiceName(r, head.start, head.end, 1);
  return {
    serviceName: service ? renderString((s) => writeAnyValue(s, r, service[0], service[1])) : EMPTY,
    attributes: renderMap((m) => writeAttributes(m, r, head.start, head.end, 1, true)),
    schemaUrl: url,
    dropped: varintField(r, head, 2),
  };
}

/** Renders an InstrumentationScope (name 1, version 2, attributes 3, dropped 4). */
export function scopeText(reader: WireReader, group: Group): ScopeText {
  const url = renderString((s) => s.str(reader.buf, group.schemaUrl.start, group.schemaUrl.end));
  const found = headOf(reader, group);
  if (!found) {
    return { name: EMPTY, version: EMPTY, attributes: EMPTY_MAP, schemaUrl: url, dropped: 0 };
  }
  const { r, head } = found;
  const buf = r.buf;
  const name = bytesField(r, head, 1);
  const version = bytesField(r, head, 2);
  return {
    name: renderString((s) => s.str(buf, name.start, name.end)),
    version: renderString((s) => s.str(buf, version.start, version.end)),
    attributes: renderMap((m) => writeAttributes(m, r, head.start, head.end, 3, true)),
    schemaUrl: url,
    dropped: varintField(r, head, 4),
  };
}

/** The last occurrence of a length-delimited field in a message, or an empty range. */
export function bytesField(r: WireReader, msg: Range, field: number): Range {
  let out = { start: 0, end: 0 };
  r.at(msg.start, msg.end);
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 === field) {
      expectWire(t, WIRE_LEN);
      out = r.range();
    } else {
      r.skip(t);
    }
  }
  return out;
}

/** The last occurrence of a varint field (uint32) in a message, or 0. */
export function varintField(r: WireReader, msg: Range, field: number): number {
  let v = 0;
  r.at(msg.start, msg.end);
  while (r.more()) {
    const t = r.tag();
    if (t >>> 3 === field) {
      expectWire(t, WIRE_VARINT);
      v = r.varint32();
    } else {
      r.skip(t);
    }
  }
  return v;
}

/** Checks an id's length; `allowEmpty` for optional ids such as a parent span id. */
export function validId(buf: Uint8Array, id: Range, length: number, allowEmpty: boolean): boolean {
  const n = id.end - id.start;
  if (n === 0) return allowEmpty;
  if (n !== length) return false;
  if (allowEmpty) return true;
  for (let i = id.start; i < id.end; i++) if (buf[i] !== 0) return true;
  return false; // a required id of all zeros is invalid per the OTLP specification
}
