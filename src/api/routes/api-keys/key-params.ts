import { OrgId } from '../../../orgs/index.js';
import { z } from '../../route.js';

/** `{org}` and `{keyId}` path parameters. */
export const KeyParams = z.object({
  org: OrgId.openapi({ param: { name: 'org', in: 'path' } }),
  keyId: z
    .string()
    .regex(/^key_[0-9a-f]{16}$/, 'not an API key id')
    .openapi({ param: { name: 'keyId', in: 'path' } }),
});
