-- Quarter hours of exponential histogram stats, rolled up from
-- gridscope_exp_histogram_stats_1m in the background as 0013 rolls up explicit-bounds
-- histograms: a day read in 15-minute steps merges 15 times fewer rows, each holding three
-- point texts. Both kinds share the marks of gridscope_histogram_quarters: a quarter is
-- rolled up for both at once, and written when points of either kind were written to it.
--
-- Quarters holding exponential histogram minutes stored before this migration are marked
-- written now, so that a quarter already rolled up for explicit-bounds histograms is read
-- from the minutes until it is rolled up again with both kinds.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_exp_histogram_stats_15m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ScopeName SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
    MetricUnit SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    MinScale SimpleAggregateFunction(min, Int32),
    ZeroThreshold SimpleAggregateFunction(max, Float64),
    Count SimpleAggregateFunction(sum, UInt64),
    Sum SimpleAggregateFunction(sum, Float64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    Positive AggregateFunction(sumMap, Array(Int32), Array(UInt64)),
    Negative AggregateFunction(sumMap, Array(Int32), Array(UInt64)),
    FirstTime SimpleAggregateFunction(min, DateTime64(9)),
    First AggregateFunction(argMin, String, DateTime64(9)),
    LastTime SimpleAggregateFunction(max, DateTime64(9)),
    Last AggregateFunction(argMax, String, DateTime64(9)),
    Peak AggregateFunction(argMax, String, UInt64),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Scale)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

INSERT INTO {{db}}.gridscope_histogram_quarters SETTINGS insert_deduplicate = 0
SELECT toStartOfFifteenMinutes(Minute) AS Quarter, now64(3), toDateTime64(0, 3)
FROM {{db}}.gridscope_exp_histogram_stats_1m
GROUP BY Quarter;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_exp_histogram_quarters_mv {{on_cluster}}
TO {{db}}.gridscope_histogram_quarters
AS SELECT toStartOfFifteenMinutes(TimeUnix) AS Quarter, max(now64(3)) AS WrittenAt,
    toDateTime64(0, 3) AS RolledAt
FROM {{db}}.otel_metrics_exponential_histogram
GROUP BY Quarter;
