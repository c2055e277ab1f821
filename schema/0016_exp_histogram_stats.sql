-- Per-minute aggregates of exponential histogram points per series, as 0010 keeps for
-- explicit-bounds histograms, so that long reads of them read minutes instead of points:
--
-- - a cumulative point is kept as one text, '(time, count, sum, zero count, scale,
--   positive offset, [positive counts], negative offset, [negative counts])' with the time
--   in Unix nanoseconds: the minute's first, last and highest (by count) points, as 0010
--   keeps them; a delta point keeps '';
-- - a delta point adds its counts to the minute's totals: the zero count, and per side a
--   map of bucket index to count (sumMap); a cumulative point adds nothing to them.
--
-- Bucket indexes of different scales do not add up, so a delta row holds the points of one
-- scale (Scale is part of the key); a cumulative row holds points of any scale (Scale is
-- 0), each point's text carrying its own, so that a series whose scale changes within a
-- minute still has one row, its points in their order. A read brings every bucket to the
-- lowest scale of the rows it reads (MinScale, over every point). The series identity
-- columns and the sort order are those of 0010, and the grouping keys those of 0012
-- (src/store/queries/metrics-rollup.ts reads the table).

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_exp_histogram_stats_1m {{on_cluster}} (
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
    Peak AggregateFunction(argMax, String, UInt64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Scale)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

-- Points stored before this migration, as in 0010: emptied first and without
-- deduplication, so that a backfill interrupted by a stop runs again from the start.
TRUNCATE TABLE IF EXISTS {{db}}.gridscope_exp_histogram_stats_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_exp_histogram_stats_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, ks,
    sn, at, MetricUnit, min(sc), max(zt), sum(c), sum(s), sum(zc),
    sumMapState(pk, pc), sumMapState(nk, nc),
    min(t), argMinState(p, t), max(t), argMaxState(p, t), argMaxState(p, c)
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        AggregationTemporality = 1 AS delta, if(delta, Scale, 0) AS ks, Scale AS sc,
        ScopeName AS sn, Attributes AS at, ZeroThreshold AS zt, TimeUnix AS t, Count AS c,
        Sum AS s, if(delta, ZeroCount, 0) AS zc,
        if(delta, arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)), []) AS pk,
        if(delta, PositiveBucketCounts, []) AS pc,
        if(delta, arrayMap(i -> toInt32(NegativeOffset + i - 1), arrayEnumerate(NegativeBucketCounts)), []) AS nk,
        if(delta, NegativeBucketCounts, []) AS nc,
        if(delta, '', toString((toUnixTimestamp64Nano(t), c, s, ZeroCount, sc, PositiveOffset,
            PositiveBucketCounts, NegativeOffset, NegativeBucketCounts))) AS p
    FROM {{db}}.otel_metrics_exponential_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, ks,
    sn, at, MetricUnit;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_exp_histogram_stats_1m_mv {{on_cluster}}
TO {{db}}.gridscope_exp_histogram_stats_1m
AS SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    ks AS Scale, sn AS ScopeName, at AS Attributes, MetricUnit, min(sc) AS MinScale,
    max(zt) AS ZeroThreshold,
    sum(c) AS Count, sum(s) AS Sum, sum(zc) AS ZeroCount,
    sumMapState(pk, pc) AS Positive, sumMapState(nk, nc) AS Negative,
    min(t) AS FirstTime, argMinState(p, t) AS First,
    max(t) AS LastTime, argMaxState(p, t) AS Last,
    argMaxState(p, c) AS Peak
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        AggregationTemporality = 1 AS delta, if(delta, Scale, 0) AS ks, Scale AS sc,
        ScopeName AS sn, Attributes AS at, ZeroThreshold AS zt, TimeUnix AS t, Count AS c,
        Sum AS s, if(delta, ZeroCount, 0) AS zc,
        if(delta, arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)), []) AS pk,
        if(delta, PositiveBucketCounts, []) AS pc,
        if(delta, arrayMap(i -> toInt32(NegativeOffset + i - 1), arrayEnumerate(NegativeBucketCounts)), []) AS nk,
        if(delta, NegativeBucketCounts, []) AS nc,
        if(delta, '', toString((toUnixTimestamp64Nano(t), c, s, ZeroCount, sc, PositiveOffset,
            PositiveBucketCounts, NegativeOffset, NegativeBucketCounts))) AS p
    FROM {{db}}.otel_metrics_exponential_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, ks,
    sn, at, MetricUnit;
