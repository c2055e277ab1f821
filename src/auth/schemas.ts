import { z } from 'zod';
import { DisplayName } from '../orgs/schemas.js';
import { Role } from './roles.js';

export const ApiKey = z.object({
  id: z.string(),
  org: z.string().nullable().describe('null for a platform administrator key'),
  name: z.string(),
  role: z.enum(['admin', 'editor', 'viewer', 'ingest', 'platform-admin']),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe('the key itself; shown only in this response'),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const CreateApiKey = z
  .object({
    name: DisplayName,
    role: Role,
    expiresAt: z
      .string()
      // RFC 3339 lets the T and the Z be written in lower case.
      .transform((t) => t.toUpperCase())
      .pipe(z.iso.datetime({ offset: true }))
      .nullable()
      .optional()
      .describe('RFC 3339; never when absent or null'),
  })
  .strict();
export type CreateApiKey = z.infer<typeof CreateApiKey>;
