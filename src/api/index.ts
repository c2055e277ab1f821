// Public API of the HTTP API layer.
export { opsApp, type OpsAppOptions } from './app.js';
