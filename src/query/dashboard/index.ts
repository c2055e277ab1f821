// Public API of the home-screen overview.
export { dashboard, INGEST_WINDOW_SECONDS, TOP_SERVICES, RECENT_ERROR_LOGS } from './dashboard.js';
export { Dashboard } from './schemas.js';
