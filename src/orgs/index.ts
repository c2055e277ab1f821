// Public API of organizations.
export { Organizations, requireOrgState, type OrgState, type OrgStorage } from './organizations.js';
export { Organization, CreateOrganization, UpdateOrganization, OrgId } from './schemas.js';
