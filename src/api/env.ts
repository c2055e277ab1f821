import type { Principal } from '../auth/index.js';
import type { OrgState } from '../orgs/index.js';

/** Per-request values the API's middleware sets for handlers. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    clientAddress: string;
    /** Set by the authentication middleware on every /api/v1 route. */
    principal: Principal;
    /** The organization a route acts on (null for platform routes); set by the role check. */
    org: string | null;
    /** The organization of platform-admin calls that name none. */
    defaultOrg: string;
    /** Whether an organization exists, was deleted, or never existed. */
    orgState: (org: string) => Promise<OrgState>;
  };
}
