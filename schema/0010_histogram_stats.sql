-- Per-minute aggregates of explicit-bounds histogram points per series, replacing
-- gridscope_histogram_rollup_1m (0007). That table kept a minute's first, last and peak
-- points as ten aggregate states (count, sum and bucket counts of each, and the peak's
-- time), and bucket totals for every point. A read over a day merges a state of each per
-- series and minute, and reading those states was most of its time. Here:
--
-- - each of the three points is one state of one text, '(time, count, sum, [buckets])'
--   with the time in Unix nanoseconds (toString of a tuple; reads CAST it back, which gives
--   back the same numbers: integers as written, floats in their shortest exact form);
-- - those points are what cumulative reads use, and only cumulative points keep them (a
--   delta point keeps ''); the bucket totals are what delta reads use, and only delta
--   points keep them (a cumulative point keeps []).
--
-- The key, the series identity columns and the sort order are those of 0007, and so is
-- what a read computes from them (src/store/queries/metrics-rollup.ts).

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_stats_1m {{on_cluster}} (
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
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

-- Points stored before this migration, as in 0007: emptied first and without
-- deduplication, so that a backfill interrupted by a stop runs again from the start.
TRUNCATE TABLE IF EXISTS {{db}}.gridscope_histogram_stats_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_histogram_stats_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    any(sn), any(at), any(MetricUnit), any(eb), sum(c), sum(s), sumForEachState(bc),
    min(t), argMinState(p, t), max(t), argMaxState(p, t), argMaxState(p, c)
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        cityHash64(ExplicitBounds) AS Bounds, ScopeName AS sn, Attributes AS at,
        ExplicitBounds AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        if(length(BucketCounts) = length(ExplicitBounds) + 1, BucketCounts, []) AS valid,
        if(AggregationTemporality = 1, valid, []) AS bc,
        if(AggregationTemporality = 1, '', toString((toUnixTimestamp64Nano(t), c, s, valid))) AS p
    FROM {{db}}.otel_metrics_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds;

-- The view computes Series and Minute in a subquery, as in 0007.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_histogram_stats_1m_mv {{on_cluster}}
TO {{db}}.gridscope_histogram_stats_1m
AS SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    any(sn) AS ScopeName, any(at) AS Attributes, any(MetricUnit) AS MetricUnit,
    any(eb) AS ExplicitBounds, sum(c) AS Count, sum(s) AS Sum,
    sumForEachState(bc) AS BucketCounts,
    min(t) AS FirstTime, argMinState(p, t) AS First,
    max(t) AS LastTime, argMaxState(p, t) AS Last,
    argMaxState(p, c) AS Peak
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        cityHash64(ExplicitBounds) AS Bounds, ScopeName AS sn, Attributes AS at,
        ExplicitBounds AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        if(length(BucketCounts) = length(ExplicitBounds) + 1, BucketCounts, []) AS valid,
        if(AggregationTemporality = 1, valid, []) AS bc,
        if(AggregationTemporality = 1, '', toString((toUnixTimestamp64Nano(t), c, s, valid))) AS p
    FROM {{db}}.otel_metrics_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds;

-- The table it replaces, once nothing writes to it.
DROP VIEW IF EXISTS {{db}}.gridscope_histogram_rollup_1m_mv {{on_cluster}};
DROP TABLE IF EXISTS {{db}}.gridscope_histogram_rollup_1m {{on_cluster}};
