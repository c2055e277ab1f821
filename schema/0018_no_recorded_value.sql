-- Points flagged as having no recorded value (DataPointFlags FLAG_NO_RECORDED_VALUE, bit 1:
-- OTLP's equivalent of a Prometheus staleness marker, which the Collector's Prometheus
-- receiver sends when a series disappears) mark a gap, not a value: the reads of the points
-- leave them out, and so do the metric roll-up views from here on. The views' queries are
-- those of 0012 and 0016 with that condition; MODIFY QUERY replaces each in one step.
-- Roll-up rows written before this migration keep any such points they took.

ALTER TABLE {{db}}.gridscope_gauge_rollup_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute,
    sn AS ScopeName, at AS Attributes, MetricUnit,
    sum(v) AS Sum, count() AS Count, min(v) AS Min, max(v) AS Max
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, ScopeName AS sn,
        Attributes AS at, Value AS v
    FROM {{db}}.otel_metrics_gauge
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, sn, at, MetricUnit;

ALTER TABLE {{db}}.gridscope_sum_rollup_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, sn AS ScopeName, at AS Attributes, MetricUnit,
    sum(v) AS Sum, count() AS Count, min(v) AS Min, max(v) AS Max,
    min(t) AS FirstTime, argMinState(v, t) AS First,
    max(t) AS LastTime, argMaxState(v, t) AS Last,
    argMaxState(t, v) AS PeakTime
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, StartTimeUnix, AggregationTemporality, IsMonotonic,
        ScopeName AS sn, Attributes AS at, TimeUnix AS t, Value AS v
    FROM {{db}}.otel_metrics_sum
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, sn, at, MetricUnit;

ALTER TABLE {{db}}.gridscope_histogram_stats_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn AS ScopeName, at AS Attributes, MetricUnit, eb AS ExplicitBounds,
    sum(c) AS Count, sum(s) AS Sum, sumForEachState(bc) AS BucketCounts,
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
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, Bounds,
    sn, at, MetricUnit, eb;

ALTER TABLE {{db}}.gridscope_exp_histogram_stats_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
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
    WHERE bitAnd(Flags, 1) = 0
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality, ks,
    sn, at, MetricUnit;
