import { z } from 'zod';
import { ORG_ID } from '../lib/ids.js';
import { hasControlCharacter } from '../query/attribute-filter.js';

export const OrgId = z
  .string()
  .regex(ORG_ID, 'lower-case letters, digits and _, starting with a letter or digit, at most 63');

export const Organization = z.object({
  id: OrgId,
  name: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Deleted: its data is kept and can be read, nothing can be changed or sent. */
  deleted: z.boolean(),
});
export type Organization = z.infer<typeof Organization>;

/**
 * A display name (an organization's, an API key's): 1 to 200 characters once trimmed, none
 * of them a control character.
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => !hasControlCharacter(s), 'must not contain control characters');

export const CreateOrganization = z
  .object({
    id: OrgId,
    name: DisplayName,
  })
  .strict();
export type CreateOrganization = z.infer<typeof CreateOrganization>;

export const UpdateOrganization = z.object({ name: DisplayName }).strict();
export type UpdateOrganization = z.infer<typeof UpdateOrganization>;
