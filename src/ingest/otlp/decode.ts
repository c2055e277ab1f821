import { AppError } from '../../lib/errors.js';
import { REQUEST_TYPES, type Signal } from './proto.js';

/** Hex id fields of OTLP/JSON, which protobuf's JSON mapping would read as base64. */
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * Turns an OTLP/JSON export request into the protobuf encoding the converters read:
 * lowerCamelCase names, hex trace and span ids, enums as integers (names also accepted),
 * 64-bit integers as strings or numbers, unknown fields ignored.
 */
export function jsonToProtobuf(signal: Signal, text: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION', `request body is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('VALIDATION', 'request body must be a JSON object');
  }
  hexIdsToBytes(parsed);
  try {
    const type = REQUEST_TYPES[signal];
    return type.encode(type.fromObject(parsed)).finish();
  } catch (err) {
    throw new AppError(
      'VALIDATION',
      `request body is not a valid ${signal} export request: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

const HEX = /^[0-9a-fA-F]*$/;
/** Marks an id that is not hex: a length no id has, so the converters refuse the item. */
const INVALID_ID = new Uint8Array(1);

function hexIdsToBytes(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) hexIdsToBytes(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (ID_FIELDS.has(key) && typeof v === 'string') {
      obj[key] = v.length % 2 === 0 && HEX.test(v) ? Buffer.from(v, 'hex') : INVALID_ID;
    } else if (typeof v === 'object' && v !== null) {
      hexIdsToBytes(v);
    }
  }
}
