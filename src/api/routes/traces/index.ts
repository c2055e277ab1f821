import type { RouteRegistrar } from '../../route.js';

/** The traces endpoints under /api/v1/monitoring, one file each. */
export const TRACE_ROUTES: readonly RouteRegistrar[] = [];
