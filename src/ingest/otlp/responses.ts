import type { AppError } from '../../lib/errors.js';
import { grpcStatus } from '../../lib/errors.js';
import { BadRequestType, RESPONSE_TYPES, RetryInfoType, StatusType, type Signal } from './proto.js';

/** The rejected-count field of each signal's partial success message. */
const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export interface ExportOutcome {
  rejected: number;
  message: string;
}

/** The Export*ServiceResponse as a plain object in protobuf's JSON shape. */
export function exportResponseObject(
  signal: Signal,
  outcome: ExportOutcome,
): Record<string, unknown> {
  if (outcome.rejected === 0 && outcome.message === '') return {};
  return {
    partialSuccess: {
      [REJECTED_FIELD[signal]]: String(outcome.rejected),
      errorMessage: outcome.message,
    },
  };
}

/** The Export*ServiceResponse, binary. */
export function exportResponseProto(signal: Signal, outcome: ExportOutcome): Uint8Array {
  const type = RESPONSE_TYPES[signal];
  return type.encode(type.fromObject(exportResponseObject(signal, outcome))).finish();
}

/** A field of a request and what is wrong with it (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The field violations an error names in its details, if any. */
function fieldViolations(err: AppError): FieldViolation[] {
  const d = err.details as { fieldViolations?: FieldViolation[] } | null | undefined;
  return d?.fieldViolations ?? [];
}

/**
 * A google.rpc.Status for an error; retryable errors carry a RetryInfo detail, and errors
 * that name the fields at fault a BadRequest.
 */
export function statusObject(err: AppError): {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
} {
  const details: { type_url: string; value: Uint8Array }[] = [];
  if (err.retryAfterSeconds !== undefined) {
    details.push({
      type_url: 'type.googleapis.com/google.rpc.RetryInfo',
      value: RetryInfoType.encode(
        RetryInfoType.fromObject({ retryDelay: { seconds: err.retryAfterSeconds, nanos: 0 } }),
      ).finish(),
    });
  }
  const violations = fieldViolations(err);
  if (violations.length > 0) {
    details.push({
      type_url: 'type.googleapis.com/google.rpc.BadRequest',
      value: BadRequestType.encode(
        BadRequestType.fromObject({ fieldViolations: violations }),
      ).finish(),
    });
  }
  return { code: grpcStatus(err), message: err.message, details };
}

/** A google.rpc.Status, binary. */
export function statusProto(err: AppError): Uint8Array {
  const s = statusObject(err);
  return StatusType.encode(
    StatusType.fromObject({
      code: s.code,
      message: s.message,
      // protobufjs ships its own google.protobuf.Any, which keeps the field name type_url.
      details: s.details,
    }),
  ).finish();
}

/** A google.rpc.Status in protobuf's JSON shape. */
export function statusJson(err: AppError): string {
  const s = statusObject(err);
  const violations = fieldViolations(err);
  return JSON.stringify({
    code: s.code,
    message: s.message,
    details: [
      ...(err.retryAfterSeconds !== undefined
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.RetryInfo',
              retryDelay: `${err.retryAfterSeconds}s`,
            },
          ]
        : []),
      ...(violations.length > 0
        ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }]
        : []),
    ],
  });
}
