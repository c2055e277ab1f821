// Public API of authentication and authorization.
export { ApiKeys } from './api-keys.js';
export {
  KeyRing,
  generateKey,
  keyDigest,
  keyPrefix,
  CHOSEN_KEY_PREFIX,
  KEY_PREFIX,
} from './key-ring.js';
export { Role, permits, type Principal, type RouteRole } from './roles.js';
export { ApiKey, CreateApiKey, CreatedApiKey } from './schemas.js';
