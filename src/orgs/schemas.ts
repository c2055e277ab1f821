import { z } from 'zod';
import { ORG_ID } from '../lib/ids.js';

export const OrgId = z
  .string()
  .regex(ORG_ID, 'lower-case letters, digits and _, starting with a letter or digit, at most 63');

export const Organization = z.object({
  id: OrgId,
  name: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Organization = z.infer<typeof Organization>;

export const CreateOrganization = z.object({
  id: OrgId,
  name: z.string().trim().min(1).max(200),
});
export type CreateOrganization = z.infer<typeof CreateOrganization>;

export const UpdateOrganization = z.object({ name: z.string().trim().min(1).max(200) });
export type UpdateOrganization = z.infer<typeof UpdateOrganization>;
