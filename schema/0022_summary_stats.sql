-- Per-minute aggregates of summary points per series, so that the count, sum, rate and
-- increase of a summary's observations over an hour or more read minutes, not points.
-- The columns are those of gridscope_histogram_stats_1m (0010), which the same reads take:
-- a summary counts as a cumulative histogram without buckets (OTLP summaries are always
-- cumulative), so its bounds are empty, its bucket counts too, and each of a minute's
-- first, last and peak points is the text '(time, count, sum, [])'. The quantiles a
-- summary reports are read from its points.
--
-- Summary points stored before this are rolled up as it runs, before its view exists
-- (points written meanwhile by another process are missing from the minutes); a start
-- stopped during that empties the table and fills it again.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_summary_stats_1m {{on_cluster}} (
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
    Peak AggregateFunction(argMax, String, UInt64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_summary_stats_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_summary_stats_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb, sum(c), sum(s), sumForEachState(bc),
    min(t), argMinState(p, t), max(t), argMaxState(p, t), argMaxState(p, c)
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, toInt32(2) AS AggregationTemporality,
        cityHash64(CAST([], 'Array(Float64)')) AS Bounds, ScopeName AS sn, Attributes AS at,
        CAST([], 'Array(Float64)') AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        CAST([], 'Array(UInt64)') AS bc,
        toString((toUnixTimestamp64Nano(t), c, s, bc)) AS p
    FROM {{db}}.otel_metrics_summary
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_summary_stats_1m_mv {{on_cluster}}
TO {{db}}.gridscope_summary_stats_1m
AS SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn AS ScopeName, at AS Attributes, MetricUnit, eb AS ExplicitBounds,
    sum(c) AS Count, sum(s) AS Sum, sumForEachState(bc) AS BucketCounts,
    min(t) AS FirstTime, argMinState(p, t) AS First,
    max(t) AS LastTime, argMaxState(p, t) AS Last,
    argMaxState(p, c) AS Peak
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, toInt32(2) AS AggregationTemporality,
        cityHash64(CAST([], 'Array(Float64)')) AS Bounds, ScopeName AS sn, Attributes AS at,
        CAST([], 'Array(Float64)') AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        CAST([], 'Array(UInt64)') AS bc,
        toString((toUnixTimestamp64Nano(t), c, s, bc)) AS p
    FROM {{db}}.otel_metrics_summary
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb;
