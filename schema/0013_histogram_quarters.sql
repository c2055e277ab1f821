-- Quarter hours of histogram stats, for reads over long ranges with steps of whole quarter
-- hours (a day read in 15-minute steps merges 15 times fewer rows than from
-- gridscope_histogram_stats_1m). A view cannot fill them on insert without doubling the
-- work the minute view does per point, so Gridscope rolls quarters up from the minutes in
-- the background (src/query/metrics/quarter-roller.ts, src/store/queries/histogram-quarters.ts).
--
-- gridscope_histogram_quarters says which quarters can be read from here: a view records
-- when points of each quarter were last written (WrittenAt), each roll-up when it ended
-- (RolledAt). A quarter is read from here only when it was rolled up a margin after its last
-- write (the margin covers inserts still being committed when the roll-up read the
-- minutes); a point written later makes the quarter read from the minutes until it is
-- rolled up again. A roll-up replaces the quarter's earlier rows key by key (the newest
-- RolledAt wins; reads use FINAL), so rolling a quarter twice counts nothing twice.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_stats_15m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Bounds UInt64 CODEC(ZSTD(1)),
    ScopeName SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
    MetricUnit SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    ExplicitBounds SimpleAggregateFunction(any, Array(Float64)) CODEC(ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64),
    Sum SimpleAggregateFunction(sum, Float64),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)),
    FirstTime SimpleAggregateFunction(min, DateTime64(9)),
    First AggregateFunction(argMin, String, DateTime64(9)),
    LastTime SimpleAggregateFunction(max, DateTime64(9)),
    Last AggregateFunction(argMax, String, DateTime64(9)),
    Peak AggregateFunction(argMax, String, UInt64),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_quarters {{on_cluster}} (
    Quarter DateTime CODEC(Delta(4), ZSTD(1)),
    WrittenAt SimpleAggregateFunction(max, DateTime64(3)),
    RolledAt SimpleAggregateFunction(max, DateTime64(3))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(Quarter)
ORDER BY Quarter
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

-- Quarters holding points stored before this migration, to be rolled up.
INSERT INTO {{db}}.gridscope_histogram_quarters SETTINGS insert_deduplicate = 0
SELECT toStartOfFifteenMinutes(Minute) AS Quarter, now64(3), toDateTime64(0, 3)
FROM {{db}}.gridscope_histogram_stats_1m
GROUP BY Quarter;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_histogram_quarters_mv {{on_cluster}}
TO {{db}}.gridscope_histogram_quarters
AS SELECT toStartOfFifteenMinutes(TimeUnix) AS Quarter, max(now64(3)) AS WrittenAt,
    toDateTime64(0, 3) AS RolledAt
FROM {{db}}.otel_metrics_histogram
GROUP BY Quarter;
