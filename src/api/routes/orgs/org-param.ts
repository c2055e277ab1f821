import { OrgId } from '../../../orgs/index.js';
import { z } from '../../route.js';

/** The `{org}` path parameter. */
export const OrgParam = z.object({
  org: OrgId.openapi({ param: { name: 'org', in: 'path' }, example: 'default' }),
});
