import { describe, expect, it } from 'vitest';
import { loadMigrations, renderDdl, schemaDir, splitStatements } from '../../../src/store/ddl.js';

const migrations = loadMigrations();
const all = migrations.map((m) => m.sql).join('\n');

describe('schema DDL', () => {
  it('has numbered migrations starting with the bootstrap', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(0);
    expect(versions.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
  });

  it('renders for one server with plain engines and no cluster clause', () => {
    const sql = renderDdl(all, { database: 'gridscope_default' });
    expect(sql).not.toMatch(/\{\{/);
    expect(sql).not.toMatch(/ON CLUSTER|Replicated/);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS `gridscope_default`\.otel_logs\s+\(/);
    expect(sql).toMatch(/ENGINE = AggregatingMergeTree\(\)/);
  });

  it('renders for a cluster: every statement ON CLUSTER, every table replicated', () => {
    const sql = renderDdl(all, { database: 'gridscope_acme', cluster: 'prod_cluster' });
    const statements = splitStatements(sql);
    expect(statements.length).toBeGreaterThanOrEqual(15);
    for (const s of statements) {
      // A backfill INSERT runs on the server Gridscope talks to, like every write.
      if (s.startsWith('INSERT')) continue;
      expect(s, s.slice(0, 60)).toMatch(/ON CLUSTER 'prod_cluster'/);
      if (/^CREATE TABLE/.test(s)) {
        expect(s).toMatch(
          /ENGINE = Replicated(Aggregating|Replacing)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'(, Version|, RolledAt)?\)/,
        );
      }
    }
    const views = statements
      .filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))
      .map((s) => /\.(\w+) ON CLUSTER/.exec(s)?.[1]);
    expect(views).toEqual(
      expect.arrayContaining([
        'otel_traces_trace_id_ts_mv',
        'gridscope_span_rollup_1m_mv',
        'gridscope_span_stats_1m_mv',
        'gridscope_span_stats_1h_mv',
        'gridscope_log_rollup_1m_mv',
      ]),
    );
  });

  it('renders the platform tables for a cluster with replicated versioned engines', () => {
    const platform = loadMigrations(schemaDir('platform'));
    expect(platform.map((m) => m.version)).toEqual([1, 2]);
    const sql = renderDdl(platform.map((m) => m.sql).join('\n'), {
      database: 'gridscope__platform',
      cluster: 'prod_cluster',
    });
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(3);
    for (const s of statements) expect(s).toMatch(/ON CLUSTER 'prod_cluster'/);
    expect(sql).toMatch(
      /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}', Version\)/,
    );
    expect(renderDdl(platform[0]!.sql, { database: 'p' })).toMatch(
      /ENGINE = ReplacingMergeTree\(Version\)/,
    );
  });

  it('refuses identifiers and cluster names that could change the statement', () => {
    expect(() => renderDdl(all, { database: 'x`; DROP TABLE y' })).toThrow(
      /not a valid identifier/,
    );
    expect(() => renderDdl(all, { database: 'ok', cluster: "c' ; --" })).toThrow(
      /not a valid cluster name/,
    );
  });

  it('splits statements at semicolons that end a line, ignoring comment lines', () => {
    expect(splitStatements("-- a; comment\nSELECT 1;\nSELECT ';' ;\n")).toEqual([
      'SELECT 1',
      "SELECT ';'",
    ]);
  });
});
