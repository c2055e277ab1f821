-- The organization's scrape jobs ("collectors"): targets serving the Prometheus or
-- OpenMetrics text format, scraped on their interval into the otel_metrics_* tables.
-- A change inserts the new state of a row with a higher Version; reads take the newest
-- version of each row (FINAL), and a deletion is a row with Deleted = 1. The state of the
-- scrapes (last scrape, error) is kept in memory by the process that runs them.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_collectors {{on_cluster}} (
    Id String,
    Name String,
    Url String,
    IntervalMs UInt32,
    -- 0: the default, 10 s or the interval if that is shorter.
    TimeoutMs UInt32,
    -- Added to every scraped point as attributes.
    Labels Map(String, String),
    CreatedAt DateTime64(3, 'UTC'),
    UpdatedAt DateTime64(3, 'UTC'),
    CreatedBy String,
    Deleted UInt8,
    Version UInt64
) ENGINE = {{engine:ReplacingMergeTree:Version}}
ORDER BY Id;
