-- The quantiles summary points report, per minute: for each quantile, the sum of the
-- values reported for it and how many points reported one (NaN, a window without
-- observations, left out), so that a read of a quantile over an hour or more, the mean of
-- those values per step, reads minutes rather than points.
--
-- The view is replaced and the minutes are computed again from the points, with their
-- quantiles, as 0022 computed them (points written meanwhile by another process are
-- missing from the minutes; a start stopped during that empties the table and fills it
-- again).

DROP VIEW IF EXISTS {{db}}.gridscope_summary_stats_1m_mv {{on_cluster}};

ALTER TABLE {{db}}.gridscope_summary_stats_1m {{on_cluster}}
    ADD COLUMN IF NOT EXISTS Quantiles AggregateFunction(sumMap, Array(Float64), Array(Float64), Array(UInt64));

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_summary_stats_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_summary_stats_1m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb, sum(c), sum(s), sumForEachState(bc),
    min(t), argMinState(p, t), max(t), argMaxState(p, t), argMaxState(p, c),
    sumMapState(qk, qv, qn)
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, toInt32(2) AS AggregationTemporality,
        cityHash64(CAST([], 'Array(Float64)')) AS Bounds, ScopeName AS sn, Attributes AS at,
        CAST([], 'Array(Float64)') AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        CAST([], 'Array(UInt64)') AS bc,
        toString((toUnixTimestamp64Nano(t), c, s, bc)) AS p,
        arrayFilter((q, v) -> NOT isNaN(v), ValueAtQuantiles.Quantile, ValueAtQuantiles.Value) AS qk,
        arrayFilter(v -> NOT isNaN(v), ValueAtQuantiles.Value) AS qv,
        arrayMap(v -> toUInt64(1), qv) AS qn
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
    argMaxState(p, c) AS Peak, sumMapState(qk, qv, qn) AS Quantiles
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, toInt32(2) AS AggregationTemporality,
        cityHash64(CAST([], 'Array(Float64)')) AS Bounds, ScopeName AS sn, Attributes AS at,
        CAST([], 'Array(Float64)') AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        CAST([], 'Array(UInt64)') AS bc,
        toString((toUnixTimestamp64Nano(t), c, s, bc)) AS p,
        arrayFilter((q, v) -> NOT isNaN(v), ValueAtQuantiles.Quantile, ValueAtQuantiles.Value) AS qk,
        arrayFilter(v -> NOT isNaN(v), ValueAtQuantiles.Value) AS qv,
        arrayMap(v -> toUInt64(1), qv) AS qn
    FROM {{db}}.otel_metrics_summary
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb;
