import { z } from 'zod';
import { LogRecord } from '../logs/index.js';
import { ServiceStats } from '../traces/index.js';

export const Dashboard = z.object({
  from: z.string(),
  to: z.string(),
  ingest: z
    .object({
      windowSeconds: z.number().int(),
      spansPerSecond: z.number(),
      logRecordsPerSecond: z.number(),
      metricPointsPerSecond: z.number(),
    })
    .describe('items stored with a time in the last window, per second'),
  topServicesByErrorRate: z.array(ServiceStats),
  topServicesByLatency: z.array(ServiceStats).describe('by p95 of server and consumer spans'),
  recentErrorLogs: z.array(LogRecord).describe('newest log records of severity error or worse'),
});
export type Dashboard = z.infer<typeof Dashboard>;
