// Public API of the store: the only code that talks to ClickHouse.
export {
  Store,
  type StoreOptions,
  type TableRows,
  type QueryOptions,
  type EngineMemory,
} from './store.js';
export { BASELINE_SETTINGS, statementSettings, type Backend } from './client.js';
export { renderDdl, splitStatements, loadMigrations, type DdlTarget } from './ddl.js';
export { ttlClause, type Retention } from './retention.js';
export { type BatchLimits, type BatchObserver, QueueBudget } from './batcher.js';
export { type WriteResult, type WriteOptions } from './writer.js';
export {
  TABLE_COLUMNS,
  TABLE_NAMES,
  TABLE_SCHEMAS,
  TRACES_COLUMNS,
  LOGS_COLUMNS,
  GAUGE_COLUMNS,
  SUM_COLUMNS,
  HISTOGRAM_COLUMNS,
  EXPONENTIAL_HISTOGRAM_COLUMNS,
  SUMMARY_COLUMNS,
  type TableName,
} from './tables.js';
export {
  NativeWriter,
  ByteSink,
  renderString,
  renderMap,
  type MapCell,
  type MapTarget,
} from './native-writer.js';
export { PlatformRepo, OrgRow, KeyRow } from './platform.js';
export { type UserSqlLimits, type UserSqlResult } from './user-sql.js';
export { checkSelectAst, screenSqlText, MAX_SQL_LENGTH } from './sql-guard.js';
export { AuditRepo, AuditRow, type AuditFilter } from './audit.js';
export { CollectorRepo, CollectorRow } from './collectors.js';
