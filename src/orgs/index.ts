// Public API of organizations.
export {
  Organizations,
  orgStateOf,
  requireOrgState,
  type OrgState,
  type OrgStorage,
} from './organizations.js';
export { Organization, CreateOrganization, UpdateOrganization, OrgId } from './schemas.js';
