/** The closed set of error codes; transports map them to their own status in one place each. */
export const ERROR_CODES = [
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'LIMIT_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying, for UNAVAILABLE and LIMIT_EXCEEDED. */
  readonly retryAfterSeconds: number | undefined;
  /** Structured detail for the client, e.g. the fields that failed validation. */
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; details?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  LIMIT_EXCEEDED: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * HTTP status for an error. A limit that clears with time (it carries a retry delay, as a
 * full queue does) is 429; a limit the request itself breaks is 413.
 */
export function httpStatus(err: AppError): number {
  if (err.code === 'LIMIT_EXCEEDED' && err.retryAfterSeconds !== undefined) return 429;
  return HTTP_STATUS[err.code];
}

/** gRPC status codes as numbers (grpc.status), kept here so lib has no grpc dependency. */
const GRPC_STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 5,
  METHOD_NOT_ALLOWED: 12, // UNIMPLEMENTED
  CONFLICT: 6, // ALREADY_EXISTS
  VALIDATION: 3, // INVALID_ARGUMENT
  UNAUTHORIZED: 16, // UNAUTHENTICATED
  FORBIDDEN: 7, // PERMISSION_DENIED
  LIMIT_EXCEEDED: 8, // RESOURCE_EXHAUSTED
  UNAVAILABLE: 14,
  INTERNAL: 13,
};

/**
 * gRPC status for an error. A limit that clears with time is UNAVAILABLE (which OTLP
 * clients retry, honouring RetryInfo); a limit the request itself breaks is RESOURCE_EXHAUSTED.
 */
export function grpcStatus(err: AppError): number {
  if (err.code === 'LIMIT_EXCEEDED' && err.retryAfterSeconds !== undefined)
    return GRPC_STATUS.UNAVAILABLE;
  return GRPC_STATUS[err.code];
}

/** Wraps anything thrown into an AppError, keeping an AppError as it is. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INTERNAL', message, { cause: err });
}

/** Where in a request a field is, as a VALIDATION error's details name it. */
export type FieldLocation = 'query' | 'body' | 'path' | 'header';

/**
 * A VALIDATION error about one request field: the message `field: message`, and details
 * listing the field. Code shared by a query string and a JSON body leaves the location out;
 * the REST API fills it in from the request.
 */
export function fieldError(field: string, message: string, location?: FieldLocation): AppError {
  return new AppError('VALIDATION', `${field}: ${message}`, {
    details: [{ ...(location ? { location } : {}), field, message }],
  });
}
