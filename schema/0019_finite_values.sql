-- A gauge or sum point whose value is NaN or infinite marks a gap, as a point with no
-- recorded value does: the reads of the points leave it out, and so do the gauge and sum
-- roll-up views from here on (a NaN taken into a minute's sum, first or last made the
-- minute's answers differ from the points'). The views' queries are those of 0018 with
-- that condition; MODIFY QUERY replaces each in one step. Roll-up rows written before
-- this migration keep any such points they took.

ALTER TABLE {{db}}.gridscope_gauge_rollup_1m_mv {{on_cluster}} MODIFY QUERY
SELECT MetricName, ServiceName, Series, Minute,
    sn AS ScopeName, at AS Attributes, MetricUnit,
    sum(v) AS Sum, count() AS Count, min(v) AS Min, max(v) AS Max
FROM (
    SELECT MetricName, MetricUnit, ServiceName, cityHash64(ResourceAttributes, ScopeName, Attributes) AS Series,
        toStartOfMinute(TimeUnix) AS Minute, ScopeName AS sn,
        Attributes AS at, Value AS v
    FROM {{db}}.otel_metrics_gauge
    WHERE bitAnd(Flags, 1) = 0 AND isFinite(Value)
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
    WHERE bitAnd(Flags, 1) = 0 AND isFinite(Value)
)
GROUP BY MetricName, ServiceName, Series, Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, sn, at, MetricUnit;
