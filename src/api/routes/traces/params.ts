import { fieldError } from '../../../lib/errors.js';
import { hasControlCharacter, isNameText } from '../../../query/attribute-filter.js';
import { MAX_SERVICES } from '../../../query/logs/index.js';
import { TRACE_ID } from '../../../query/traces/index.js';
import { z } from '../../route.js';
import { NOT_A_SERVICE, ServiceNameText } from '../query-params.js';

const NAME_RULE = 'must be 1 to 256 characters without control characters';

/** A span name: any printable text up to 256 characters. */
export const NameText = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !hasControlCharacter(s), NAME_RULE);

/**
 * Checks repeated `service` parameters, naming the parameter when one is not a name or
 * there are more than a log search takes.
 */
export function checkServiceNames(values: readonly string[]): void {
  if (values.length > MAX_SERVICES) {
    throw fieldError('service', `at most ${MAX_SERVICES} services`, 'query');
  }
  for (const v of values) {
    if (!isNameText(v)) throw fieldError('service', NOT_A_SERVICE, 'query');
  }
}

/** The `{traceId}` path parameter: 32 hex digits (upper case is accepted and lowered). */
export const TraceIdParam = z.object({
  traceId: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.string().regex(TRACE_ID, 'must be 32 hexadecimal digits'))
    .openapi({
      param: { name: 'traceId', in: 'path' },
      example: '4bf92f3577b34da6a3ce929d0e0e4736',
    }),
});

/** The `{service}` path parameter. */
export const ServiceParam = z.object({
  service: ServiceNameText.openapi({
    param: { name: 'service', in: 'path' },
    example: 'checkout',
  }),
});
