import type { RouteRegistrar } from '../../route.js';

/** The logs endpoints under /api/v1/monitoring, one file each. */
export const LOG_ROUTES: readonly RouteRegistrar[] = [];
