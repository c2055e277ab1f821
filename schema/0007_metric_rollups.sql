-- Per-minute aggregates of metric points per series (a metric's points with the same
-- resource, scope and attributes), kept up to date on insert, so that metric reads over
-- long ranges read minutes instead of points.
--
-- Gauges (and the values of sums) keep sum, count, min and max. Counters (sums, and the
-- Count, Sum and buckets of histograms) keep, per start time, the minute's first and last
-- point and the point with the highest count (the peak: with the first and last it shows a
-- reset within the minute), and for delta temporality the minute's totals. A read replays
-- these few points per step through the same reset and start-time rules as raw points.
-- The sort keys start with the metric and the minute, so a read prunes to its range.
-- Each kept value is its own numeric (or array) state: argMin/argMax of tuples merge an
-- order of magnitude slower. Series identity columns are stored with `any`: they are the
-- same for every row of a series, which Series (a hash of them) names. Resource
-- attributes are not kept: they are most of a point's bytes, and copying them was most of
-- what the views cost on insert; reads that filter or group by a resource attribute read
-- the points.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_gauge_rollup_1m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    ScopeName SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
    MetricUnit SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Sum SimpleAggregateFunction(sum, Float64),
    Count SimpleAggregateFunction(sum, UInt64),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_sum_rollup_1m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    IsMonotonic Boolean CODEC(Delta, ZSTD(1)),
    ScopeName SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Attributes SimpleAggregateFunction(any, Map(String, String)) CODEC(ZSTD(1)),
    MetricUnit SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    Sum SimpleAggregateFunction(sum, Float64),
    Count SimpleAggregateFunction(sum, UInt64),
    Min SimpleAggregateFunction(min, Float64),
    Max SimpleAggregateFunction(max, Float64),
    FirstTime SimpleAggregateFunction(min, DateTime64(9)),
    First AggregateFunction(argMin, Float64, DateTime64(9)),
    LastTime SimpleAggregateFunction(max, DateTime64(9)),
    Last AggregateFunction(argMax, Float64, DateTime64(9)),
    PeakTime AggregateFunction(argMax, DateTime64(9), Float64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, IsMonotonic)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

-- Bucket counts are kept only for points whose counts match their bounds (one more count
-- than bounds), as the raw reads do; Bounds (a hash of ExplicitBounds) keeps points with
-- different bounds apart. The first, last and peak counts are kept as text ('[1,2,3]'):
-- argMin/argMax of an array merge several times slower than of a string.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_rollup_1m {{on_cluster}} (
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
    FirstCount AggregateFunction(argMin, UInt64, DateTime64(9)),
    FirstSum AggregateFunction(argMin, Float64, DateTime64(9)),
    FirstBuckets AggregateFunction(argMin, String, DateTime64(9)),
    LastTime SimpleAggregateFunction(max, DateTime64(9)),
    LastCount AggregateFunction(argMax, UInt64, DateTime64(9)),
    LastSum AggregateFunction(argMax, Float64, DateTime64(9)),
    LastBuckets AggregateFunction(argMax, String, DateTime64(9)),
    PeakCount SimpleAggregateFunction(max, UInt64),
    PeakTime AggregateFunction(argMax, DateTime64(9), UInt64),
    PeakSum AggregateFunction(argMax, Float64, UInt64),
    PeakBuckets AggregateFunction(argMax, String, UInt64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

-- Points stored before this migration. The receivers open after migrations, so nothing is
-- inserted meanwhile. A start interrupted during the backfill leaves this migration
-- unrecorded, so it runs again: each rollup is emptied first, and deduplication is off so
-- that blocks the interrupted run inserted are not taken for retries and dropped.
TRUNCATE TABLE IF EXISTS {{db}}.gridscope_gauge_rollup_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_gauge_rollup_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
    toStartOfMinute(TimeUnix) AS Minute, any(ScopeName), any(Attributes), any(MetricUnit),
    sum(Value), count(), min(Value), max(Value)
FROM {{db}}.otel_metrics_gauge
GROUP BY MetricName, ServiceName, Series, Minute;

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_sum_rollup_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_sum_rollup_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
    toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality, IsMonotonic,
    any(ScopeName), any(Attributes), any(MetricUnit),
    sum(Value), count(), min(Value), max(Value),
    min(TimeUnix), argMinState(Value, TimeUnix), max(TimeUnix), argMaxState(Value, TimeUnix),
    argMaxState(TimeUnix, Value)
FROM {{db}}.otel_metrics_sum
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, IsMonotonic;

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_histogram_rollup_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_histogram_rollup_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    any(sn), any(at), any(MetricUnit), any(eb), sum(c), sum(s), sumForEachState(bc),
    min(t), argMinState(c, t), argMinState(s, t), argMinState(bt, t),
    max(t), argMaxState(c, t), argMaxState(s, t), argMaxState(bt, t),
    max(c), argMaxState(t, c), argMaxState(s, c), argMaxState(bt, c)
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        cityHash64(ExplicitBounds) AS Bounds, ScopeName AS sn,
        Attributes AS at, ExplicitBounds AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        if(length(BucketCounts) = length(ExplicitBounds) + 1, BucketCounts, []) AS bc,
        toString(bc) AS bt
    FROM {{db}}.otel_metrics_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds;

-- The views compute Series and Minute in a subquery: an aggregate named like a source
-- column (any(Attributes) AS Attributes) would otherwise be read back in its place.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_gauge_rollup_1m_mv {{on_cluster}}
TO {{db}}.gridscope_gauge_rollup_1m
AS SELECT MetricName, ServiceName, Series, Minute,
    any(sn) AS ScopeName, any(at) AS Attributes, any(MetricUnit) AS MetricUnit,
    sum(v) AS Sum, count() AS Count, min(v) AS Min, max(v) AS Max
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, ScopeName AS sn,
        Attributes AS at, Value AS v
    FROM {{db}}.otel_metrics_gauge
)
GROUP BY MetricName, ServiceName, Series, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_sum_rollup_1m_mv {{on_cluster}}
TO {{db}}.gridscope_sum_rollup_1m
AS SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, any(sn) AS ScopeName, any(at) AS Attributes, any(MetricUnit) AS MetricUnit,
    sum(v) AS Sum, count() AS Count, min(v) AS Min, max(v) AS Max,
    min(t) AS FirstTime, argMinState(v, t) AS First,
    max(t) AS LastTime, argMaxState(v, t) AS Last,
    argMaxState(t, v) AS PeakTime
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality, IsMonotonic,
        ScopeName AS sn, Attributes AS at, TimeUnix AS t, Value AS v
    FROM {{db}}.otel_metrics_sum
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, IsMonotonic;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_histogram_rollup_1m_mv {{on_cluster}}
TO {{db}}.gridscope_histogram_rollup_1m
AS SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    any(sn) AS ScopeName, any(at) AS Attributes, any(MetricUnit) AS MetricUnit,
    any(eb) AS ExplicitBounds, sum(c) AS Count, sum(s) AS Sum,
    sumForEachState(bc) AS BucketCounts,
    min(t) AS FirstTime, argMinState(c, t) AS FirstCount, argMinState(s, t) AS FirstSum,
    argMinState(bt, t) AS FirstBuckets,
    max(t) AS LastTime, argMaxState(c, t) AS LastCount, argMaxState(s, t) AS LastSum,
    argMaxState(bt, t) AS LastBuckets,
    max(c) AS PeakCount, argMaxState(t, c) AS PeakTime, argMaxState(s, c) AS PeakSum,
    argMaxState(bt, c) AS PeakBuckets
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        cityHash64(ExplicitBounds) AS Bounds, ScopeName AS sn,
        Attributes AS at, ExplicitBounds AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        if(length(BucketCounts) = length(ExplicitBounds) + 1, BucketCounts, []) AS bc,
        toString(bc) AS bt
    FROM {{db}}.otel_metrics_histogram
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds;
