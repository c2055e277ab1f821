import { Collector, CollectorId } from '../../../collectors/index.js';
import { ErrorBody, z } from '../../route.js';

/** The `{collectorId}` path parameter. */
export const CollectorParam = z.object({
  collectorId: CollectorId.openapi({
    param: { name: 'collectorId', in: 'path' },
    example: 'col_3f9a0c1b2d4e5f60',
  }),
});

export const NOT_FOUND = {
  description: 'no such collector in this organization',
  content: { 'application/json': { schema: ErrorBody } },
} as const;

export const TAGS = ['collectors'];

/** A collector in answers, as a named OpenAPI component. */
export const CollectorBody = Collector.openapi('Collector');
