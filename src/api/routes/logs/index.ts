import type { RouteRegistrar } from '../../route.js';
import { registerListLogs } from './list-logs.js';
import { registerLogHistogram } from './log-histogram.js';

/** The logs endpoints under /api/v1/monitoring, one file each. */
export const LOG_ROUTES: readonly RouteRegistrar[] = [registerListLogs, registerLogHistogram];
