-- The organization's database and the record of applied migrations. Runs at every start;
-- every statement here is idempotent.
CREATE DATABASE IF NOT EXISTS {{db}} {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_migrations {{on_cluster}} (
    Version UInt32,
    Name String,
    AppliedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = {{engine:MergeTree}}
ORDER BY Version;
