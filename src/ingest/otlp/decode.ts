import protobuf from 'protobufjs';
import { AppError } from '../../lib/errors.js';
import type { FieldViolation } from './responses.js';
import { REQUEST_TYPES, type Signal } from './proto.js';

/** Hex id fields of OTLP/JSON, which protobuf's JSON mapping would read as base64. */
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * Turns an OTLP/JSON export request into the protobuf encoding the converters read:
 * lowerCamelCase names (proto names also accepted), hex trace and span ids, enums as integers (names also accepted),
 * 64-bit integers as strings or numbers, unknown fields ignored. Every value must have
 * its field's type under protobuf's JSON mapping (checkMessage); one that has not fails the
 * whole request, as undecodable input does.
 */
export function jsonToProtobuf(signal: Signal, text: string): Uint8Array {
  try {
    return jsonRequest(signal, text);
  } catch (err) {
    // The checks walk the request recursively; one nested deeper than the stack holds
    // (protobuf stops at 100 messages, and unknown fields are walked too) is refused.
    if (err instanceof RangeError) {
      throw new AppError('VALIDATION', 'request body is nested too deeply', { cause: err });
    }
    throw err;
  }
}

function jsonRequest(signal: Signal, text: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteWideNumbers(text));
  } catch (err) {
    throw new AppError('VALIDATION', `request body is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('VALIDATION', 'request body must be a JSON object');
  }
  const type = REQUEST_TYPES[signal];
  const problem = checkMessage(type, parsed as Record<string, unknown>, '');
  if (problem !== null) {
    throw new AppError(
      'VALIDATION',
      `request body is not a valid ${signal} export request: ${problem.field}: ${problem.description}`,
      { details: { fieldViolations: [problem] } },
    );
  }
  hexIdsToBytes(parsed);
  try {
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

/**
 * JSON number tokens that a double cannot hold exactly (integers of 16 digits or more, and
 * any number with an exponent) made strings, which protobuf's JSON mapping accepts for
 * every numeric field: JSON.parse would round 9007199254740993 to ...992. Strings in the
 * text are matched whole, so digits inside them are left alone.
 */
function quoteWideNumbers(text: string): string {
  if (!/\d{16}|\d[eE]/.test(text)) return text;
  // One pass over the text, strings skipped: a regular expression of strings and numbers
  // backtracked in square time over a string left open (`"\\\\...`).
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const token = c === MINUS || (c >= ZERO && c <= NINE) ? NUMBER.exec(text)?.[0] : undefined;
    if (token === undefined) {
      i++;
      continue;
    }
    if (/[eE]/.test(token) || /\d{16}/.test(token)) {
      out += `${text.slice(copied, i)}"${token}"`;
      copied = i + token.length;
    }
    i += token.length;
  }
  return out + text.slice(copied);
}

/** A JSON number, matched where it starts (sticky). */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** An integer written in decimal, with a fraction or exponent only if it stays whole. */
function exactInteger(text: string): bigint | null {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const fraction = m[3] ?? '';
  const digits = BigInt(`${m[2]}${fraction}` || '0');
  const scale = Number(m[4] ?? '0') - fraction.length;
  let value: bigint;
  if (scale >= 0) value = digits * 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    if (digits % divisor !== 0n) return null;
    value = digits / divisor;
  }
  return m[1] === '-' ? -value : value;
}

/** Where a value is wrong, and how. */
const problem = (field: string, value: unknown, what: string): FieldViolation => ({
  field,
  description: `${show(value)} ${what}`,
});

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Checks the values of an OTLP/JSON message against its fields' types, as protobuf's JSON
 * mapping defines them, and returns the first problem (its path, the value and what was
 * expected) or null. protobufjs would otherwise coerce what it is given: "12abc" into 12, a
 * string "false" into true, "1.7e18" into 1. Integers given as strings are rewritten in
 * plain decimal, which protobufjs reads exactly; null stands for the default; unknown
 * fields are ignored.
 */
function checkMessage(
  type: protobuf.Type,
  obj: Record<string, unknown>,
  path: string,
): FieldViolation | null {
  for (const name of Object.keys(obj)) {
    const key = jsonName(type, obj, name);
    if (key === null) continue;
    const field = type.fields[key];
    const value = obj[key];
    if (field === undefined || value === null) continue;
    const at = path === '' ? key : `${path}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(value)) return problem(at, value, `is not an array`);
      for (let i = 0; i < value.length; i++) {
        const problem = checkValue(
          field,
          value as unknown as Record<number, unknown>,
          i,
          `${at}[${i}]`,
        );
        if (problem !== null) return problem;
      }
    } else {
      const problem = checkValue(field, obj, key, at);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/**
 * The lowerCamelCase name of a field given by its proto name (`time_unix_nano`), which
 * protobuf's JSON mapping also accepts, as the Collector does: the value is moved to it.
 * Null when the object also has the field by its lowerCamelCase name, which then wins.
 */
function jsonName(type: protobuf.Type, obj: Record<string, unknown>, name: string): string | null {
  if (!name.includes('_') || type.fields[name] !== undefined) return name;
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (camel === name || type.fields[camel] === undefined) return name;
  const value = obj[name];
  delete obj[name];
  if (Object.hasOwn(obj, camel)) return null;
  obj[camel] = value;
  return camel;
}

/** Checks `holder[key]`, a value of `field`, rewriting an integer given as a string. */
function checkValue(
  field: protobuf.Field,
  holder: Record<string | number, unknown>,
  key: string | number,
  at: string,
): FieldViolation | null {
  const value = holder[key];
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return problem(at, value, `is not an object`);
    }
    return checkMessage(resolved, value as Record<string, unknown>, at);
  }
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && Object.hasOwn(resolved.values, value)) return null;
    if (typeof value === 'number' && Number.isInteger(value)) return null;
    return problem(at, value, `is not a value of ${resolved.name}`);
  }
  const range = INTEGER_RANGES[field.type];
  if (range !== undefined) {
    const n =
      typeof value === 'number' && Number.isInteger(value)
        ? BigInt(value)
        : typeof value === 'string'
          ? exactInteger(value)
          : null;
    if (n === null) return problem(at, value, `is not an integer`);
    if (n < range[0] || n > range[1])
      return problem(at, value, `is out of range for ${field.type}`);
    if (typeof value === 'string') holder[key] = n.toString();
    return null;
  }
  switch (field.type) {
    case 'double':
    case 'float':
      if (typeof value === 'number') return null;
      if (typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value))
        return null;
      if (typeof value === 'string' && DECIMAL.test(value) && /\d/.test(value)) return null;
      return problem(at, value, `is not a number`);
    case 'bool':
      return typeof value === 'boolean' ? null : problem(at, value, `is not true or false`);
    case 'string':
      if (typeof value !== 'string') return problem(at, value, `is not a string`);
      // A lone surrogate (`\ud800`) has no UTF-8; it reads as U+FFFD, as Go's JSON reads it.
      holder[key] = value.replace(LONE_SURROGATE, '\ufffd');
      return null;
    case 'bytes':
      // Ids are hex (see hexIdsToBytes), other bytes base64.
      if (typeof value !== 'string') return problem(at, value, `is not a string`);
      if (ID_FIELDS.has(String(key)) || BASE64.test(value)) return null;
      return problem(at, value, `is not base64`);
    default:
      return null;
  }
}
