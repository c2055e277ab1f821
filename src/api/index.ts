// Public API of the HTTP API layer.
export { opsApp, type OpsAppOptions } from './app.js';
export { apiApp, OPENAPI_PATH, type ApiAppOptions } from './api-app.js';
export { type ApiDeps, type HealthReport, type QueryLimits } from './deps.js';
export { ROLE_EXTENSION } from './route.js';
export { AUTH_OFF, ORG_HEADER } from './middleware/auth.js';
