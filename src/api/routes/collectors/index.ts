import type { RouteRegistrar } from '../../route.js';
import { registerCreateCollector } from './create-collector.js';
import { registerDeleteCollector } from './delete-collector.js';
import { registerGetCollector } from './get-collector.js';
import { registerListCollectors } from './list-collectors.js';
import { registerUpdateCollector } from './update-collector.js';

/** The collector (scrape job) endpoints under /api/v1/monitoring, one file each. */
export const COLLECTOR_ROUTES: readonly RouteRegistrar[] = [
  registerListCollectors,
  registerCreateCollector,
  registerGetCollector,
  registerUpdateCollector,
  registerDeleteCollector,
];
