/**
 * Typed views of decoded OTLP AnyValue and KeyValue messages, as protobufjs presents them
 * (camelCase names, Long for 64-bit integers, Uint8Array for bytes). Only nested values
 * (arrays and maps) are decoded as objects; everything else is read from the wire.
 */
import type { Uint64Input } from '../../lib/nanos.js';

export interface AnyValue {
  /** Name of the field set in the `value` oneof, if any. */
  readonly value?: string;
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: Uint64Input;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly AnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly KeyValue[] };
  readonly bytesValue?: Uint8Array;
}

export interface KeyValue {
  readonly key: string;
  readonly value?: AnyValue | null;
}
