import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import {
  loadMigrations,
  renderDdl,
  schemaDir,
  splitStatements,
  type DdlTarget,
  type MigrationSet,
} from './ddl.js';
import { statementSettings } from './client.js';

const AppliedRow = z.object({ Version: z.coerce.number() });

/**
 * Brings a database up to the newest schema of its set: runs the bootstrap, then every
 * migration not yet recorded, recording each after its statements succeed. Statements are
 * idempotent, so a start interrupted between a statement and its record is safe to repeat.
 * Returns the versions applied now.
 */
export async function migrate(
  client: ClickHouseClient,
  target: DdlTarget,
  set: MigrationSet = 'org',
): Promise<number[]> {
  const bootstrap = loadMigrations(schemaDir('org')).find((m) => m.version === 0);
  const migrations = loadMigrations(schemaDir(set));
  if (!bootstrap) throw new Error('schema/0000_database.sql is missing');
  for (const statement of splitStatements(renderDdl(bootstrap.sql, target))) {
    await client.command({ query: statement, clickhouse_settings: statementSettings() });
  }
  const rs = await client.query({
    query: 'SELECT Version FROM {db:Identifier}.gridscope_migrations',
    query_params: { db: target.database },
    format: 'JSONEachRow',
    clickhouse_settings: statementSettings(),
  });
  const applied = new Set(
    z
      .array(AppliedRow)
      .parse(await rs.json())
      .map((r) => r.Version),
  );
  const done: number[] = [];
  for (const m of migrations) {
    if (m.version === 0 || applied.has(m.version)) continue;
    for (const statement of splitStatements(renderDdl(m.sql, target))) {
      await client.command({ query: statement, clickhouse_settings: statementSettings() });
    }
    await client.insert({
      table: `${target.database}.gridscope_migrations`,
      values: [{ Version: m.version, Name: m.name }],
      format: 'JSONEachRow',
      clickhouse_settings: statementSettings(),
    });
    done.push(m.version);
  }
  return done;
}
