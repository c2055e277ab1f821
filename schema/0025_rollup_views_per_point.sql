-- The metric roll-up views wrote their minutes by grouping each insert's points by series
-- and minute. An insert holds about one point per series and minute (the usual export
-- interval is a minute or more, and one request rarely holds two exports of a series), so
-- the grouping merged almost nothing, while hashing each point's attributes for it took
-- about half of what a view cost. The views now write a row per point, its aggregates
-- made from that point alone (initializeAggregation); the tables' merges add up a minute's
-- rows as they did rows of several inserts, and every read already aggregates them.
--
-- MODIFY QUERY replaces a view's query in one step: no point is missed or counted twice
-- while another Gridscope writes to the same database.

ALTER TABLE {{db}}.gridscope_gauge_rollup_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
    toStartOfMinute(TimeUnix) AS Minute, ScopeName, Attributes, MetricUnit,
    Value AS Sum, toUInt64(1) AS Count, Value AS Min, Value AS Max
FROM {{db}}.otel_metrics_gauge
WHERE bitAnd(Flags, 1) = 0 AND isFinite(Value);

ALTER TABLE {{db}}.gridscope_sum_rollup_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
    toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality, IsMonotonic,
    ScopeName, Attributes, MetricUnit,
    Value AS Sum, toUInt64(1) AS Count, Value AS Min, Value AS Max,
    TimeUnix AS FirstTime, initializeAggregation('argMinState', Value, TimeUnix) AS First,
    TimeUnix AS LastTime, initializeAggregation('argMaxState', Value, TimeUnix) AS Last,
    initializeAggregation('argMaxState', TimeUnix, Value) AS PeakTime
FROM {{db}}.otel_metrics_sum
WHERE bitAnd(Flags, 1) = 0 AND isFinite(Value);

ALTER TABLE {{db}}.gridscope_histogram_stats_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn AS ScopeName, at AS Attributes, MetricUnit, eb AS ExplicitBounds,
    c AS Count, s AS Sum, initializeAggregation('sumForEachState', bc) AS BucketCounts,
    t AS FirstTime, initializeAggregation('argMinState', p, t) AS First,
    t AS LastTime, initializeAggregation('argMaxState', p, t) AS Last,
    initializeAggregation('argMaxState', p, c) AS Peak
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality,
        cityHash64(ExplicitBounds) AS Bounds, ScopeName AS sn, Attributes AS at,
        ExplicitBounds AS eb, TimeUnix AS t, Count AS c, Sum AS s,
        if(length(BucketCounts) = length(ExplicitBounds) + 1, BucketCounts, []) AS valid,
        if(AggregationTemporality = 1, valid, []) AS bc,
        if(AggregationTemporality = 1, '', toString((toUnixTimestamp64Nano(t), c, s, valid))) AS p
    FROM {{db}}.otel_metrics_histogram
    WHERE bitAnd(Flags, 1) = 0
);

ALTER TABLE {{db}}.gridscope_exp_histogram_stats_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    ks AS Scale, sn AS ScopeName, at AS Attributes, MetricUnit, sc AS MinScale,
    zt AS ZeroThreshold, c AS Count, s AS Sum, zc AS ZeroCount,
    initializeAggregation('sumMapState', pk, pc) AS Positive,
    initializeAggregation('sumMapState', nk, nc) AS Negative,
    t AS FirstTime, initializeAggregation('argMinState', p, t) AS First,
    t AS LastTime, initializeAggregation('argMaxState', p, t) AS Last,
    initializeAggregation('argMaxState', p, c) AS Peak
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
    WHERE bitAnd(Flags, 1) = 0
);

ALTER TABLE {{db}}.gridscope_summary_stats_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn AS ScopeName, at AS Attributes, MetricUnit, eb AS ExplicitBounds,
    c AS Count, s AS Sum, initializeAggregation('sumForEachState', bc) AS BucketCounts,
    t AS FirstTime, initializeAggregation('argMinState', p, t) AS First,
    t AS LastTime, initializeAggregation('argMaxState', p, t) AS Last,
    initializeAggregation('argMaxState', p, c) AS Peak,
    initializeAggregation('sumMapState', qk, qv, qn) AS Quantiles
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
);
