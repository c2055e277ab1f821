import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../lib/paths.js';

/** How DDL is generated: for one server (or the embedded engine), or for a cluster. */
export interface DdlTarget {
  /** The database of the organization. */
  database: string;
  /** With a cluster name, DDL runs ON CLUSTER and tables use replicated engines. */
  cluster?: string | undefined;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A name ClickHouse takes unquoted: a table, a column, a query parameter. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Backquotes an identifier that has already been checked against the allowed shape. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid identifier: ${JSON.stringify(name)}`);
  return '`' + name + '`';
}

/** A ClickHouse string literal holding exactly `text`. */
export function stringLiteral(text: string): string {
  return `'${text.replace(/[\\'\0]/g, (c) => (c === '\0' ? '\\0' : `\\${c}`))}'`;
}

const CLUSTER_NAME = /^[A-Za-z0-9_.-]+$/;

/** Fills a schema template's placeholders for the target. */
export function renderDdl(template: string, target: DdlTarget): string {
  const cluster = target.cluster;
  if (cluster !== undefined && !CLUSTER_NAME.test(cluster)) {
    throw new Error(`not a valid cluster name: ${JSON.stringify(cluster)}`);
  }
  const db = quoteIdentifier(target.database);
  return template
    .replaceAll('{{db}}', db)
    .replaceAll('{{on_cluster}}', cluster ? `ON CLUSTER '${cluster}'` : '')
    .replaceAll('{{dedup_window}}', 'non_replicated_deduplication_window = 1000')
    .replace(/\{\{engine:(\w+)(?::(\w+))?\}\}/g, (_m, engine: string, arg?: string) => {
      const args = cluster
        ? ["'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'"]
        : [];
      if (arg) args.push(arg);
      return `${cluster ? 'Replicated' : ''}${engine}(${args.join(', ')})`;
    });
}

/** Splits a schema file into statements: each ends with `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Which databases a migration set builds: `org` for each organization's telemetry and audit
 * trail (schema/), `platform` for organizations and API keys (schema/platform/).
 */
export type MigrationSet = 'org' | 'platform';

/** The directory of a migration set. */
export function schemaDir(set: MigrationSet = 'org'): string {
  return set === 'org' ? join(packageRoot(), 'schema') : join(packageRoot(), 'schema', set);
}

/**
 * The numbered migrations of a directory, in order; version 0 of schema/ is the bootstrap
 * of every set.
 */
export function loadMigrations(dir: string = schemaDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}
