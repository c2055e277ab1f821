-- The metric rollups of 0007 per quarter hour: a read in steps of whole quarter hours (the
-- default step of a day's range is 15 minutes) takes the whole quarter hours inside its
-- range from these and only the minutes around them from the minute tables, a fifteenth
-- of the rows whose states it merges. The tables have the minute tables' columns, so one
-- read takes rows from both; Minute holds the first minute of the quarter hour. Each state
-- merges the minutes' states, so a quarter-hour row answers as its fifteen minutes do.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_gauge_rollup_15m {{on_cluster}}
AS {{db}}.gridscope_gauge_rollup_1m
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_sum_rollup_15m {{on_cluster}}
AS {{db}}.gridscope_sum_rollup_1m
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, IsMonotonic)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_rollup_15m {{on_cluster}}
AS {{db}}.gridscope_histogram_rollup_1m
ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};

-- The minutes stored before this migration, emptied first and without deduplication (see
-- 0007: a backfill interrupted by a stop runs again from the start). The columns come in
-- the tables' order; the views below select the same.
TRUNCATE TABLE IF EXISTS {{db}}.gridscope_gauge_rollup_15m {{on_cluster}};
INSERT INTO {{db}}.gridscope_gauge_rollup_15m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, q AS Minute,
    any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    sum(s) AS Sum, sum(c) AS Count, min(mn) AS Min, max(mx) AS Max
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, Sum AS s, Count AS c,
        Min AS mn, Max AS mx
    FROM {{db}}.gridscope_gauge_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q;

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_sum_rollup_15m {{on_cluster}};
INSERT INTO {{db}}.gridscope_sum_rollup_15m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, q AS Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    sum(s) AS Sum, sum(c) AS Count, min(mn) AS Min, max(mx) AS Max,
    min(ft) AS FirstTime, argMinMergeState(f) AS First,
    max(lt) AS LastTime, argMaxMergeState(l) AS Last,
    argMaxMergeState(pt) AS PeakTime
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        StartTimeUnix, AggregationTemporality, IsMonotonic,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, Sum AS s, Count AS c,
        Min AS mn, Max AS mx, FirstTime AS ft, First AS f, LastTime AS lt, Last AS l,
        PeakTime AS pt
    FROM {{db}}.gridscope_sum_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q, StartTimeUnix, AggregationTemporality, IsMonotonic;

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_histogram_rollup_15m {{on_cluster}};
INSERT INTO {{db}}.gridscope_histogram_rollup_15m SETTINGS insert_deduplicate = 0
SELECT MetricName, ServiceName, Series, q AS Minute, StartTimeUnix, AggregationTemporality,
    Bounds, any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    any(eb) AS ExplicitBounds, sum(c) AS Count, sum(s) AS Sum,
    sumForEachMergeState(bc) AS BucketCounts,
    min(ft) AS FirstTime, argMinMergeState(fc) AS FirstCount,
    argMinMergeState(fs) AS FirstSum, argMinMergeState(fb) AS FirstBuckets,
    max(lt) AS LastTime, argMaxMergeState(lc) AS LastCount,
    argMaxMergeState(ls) AS LastSum, argMaxMergeState(lb) AS LastBuckets,
    max(pc) AS PeakCount, argMaxMergeState(pt) AS PeakTime,
    argMaxMergeState(ps) AS PeakSum, argMaxMergeState(pb) AS PeakBuckets
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        StartTimeUnix, AggregationTemporality, Bounds,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, ExplicitBounds AS eb,
        Count AS c, Sum AS s, BucketCounts AS bc,
        FirstTime AS ft, FirstCount AS fc, FirstSum AS fs, FirstBuckets AS fb,
        LastTime AS lt, LastCount AS lc, LastSum AS ls, LastBuckets AS lb,
        PeakCount AS pc, PeakTime AS pt, PeakSum AS ps, PeakBuckets AS pb
    FROM {{db}}.gridscope_histogram_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q, StartTimeUnix, AggregationTemporality, Bounds;

-- Fed by what the minute views insert, so a point is aggregated once from its own columns.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_gauge_rollup_15m_mv {{on_cluster}}
TO {{db}}.gridscope_gauge_rollup_15m
AS SELECT MetricName, ServiceName, Series, q AS Minute,
    any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    sum(s) AS Sum, sum(c) AS Count, min(mn) AS Min, max(mx) AS Max
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, Sum AS s, Count AS c,
        Min AS mn, Max AS mx
    FROM {{db}}.gridscope_gauge_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_sum_rollup_15m_mv {{on_cluster}}
TO {{db}}.gridscope_sum_rollup_15m
AS SELECT MetricName, ServiceName, Series, q AS Minute, StartTimeUnix, AggregationTemporality,
    IsMonotonic, any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    sum(s) AS Sum, sum(c) AS Count, min(mn) AS Min, max(mx) AS Max,
    min(ft) AS FirstTime, argMinMergeState(f) AS First,
    max(lt) AS LastTime, argMaxMergeState(l) AS Last,
    argMaxMergeState(pt) AS PeakTime
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        StartTimeUnix, AggregationTemporality, IsMonotonic,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, Sum AS s, Count AS c,
        Min AS mn, Max AS mx, FirstTime AS ft, First AS f, LastTime AS lt, Last AS l,
        PeakTime AS pt
    FROM {{db}}.gridscope_sum_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q, StartTimeUnix, AggregationTemporality, IsMonotonic;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_histogram_rollup_15m_mv {{on_cluster}}
TO {{db}}.gridscope_histogram_rollup_15m
AS SELECT MetricName, ServiceName, Series, q AS Minute, StartTimeUnix, AggregationTemporality,
    Bounds, any(sn) AS ScopeName, any(at) AS Attributes, any(mu) AS MetricUnit,
    any(eb) AS ExplicitBounds, sum(c) AS Count, sum(s) AS Sum,
    sumForEachMergeState(bc) AS BucketCounts,
    min(ft) AS FirstTime, argMinMergeState(fc) AS FirstCount,
    argMinMergeState(fs) AS FirstSum, argMinMergeState(fb) AS FirstBuckets,
    max(lt) AS LastTime, argMaxMergeState(lc) AS LastCount,
    argMaxMergeState(ls) AS LastSum, argMaxMergeState(lb) AS LastBuckets,
    max(pc) AS PeakCount, argMaxMergeState(pt) AS PeakTime,
    argMaxMergeState(ps) AS PeakSum, argMaxMergeState(pb) AS PeakBuckets
FROM (
    SELECT MetricName, ServiceName, Series, toStartOfFifteenMinutes(Minute) AS q,
        StartTimeUnix, AggregationTemporality, Bounds,
        ScopeName AS sn, Attributes AS at, MetricUnit AS mu, ExplicitBounds AS eb,
        Count AS c, Sum AS s, BucketCounts AS bc,
        FirstTime AS ft, FirstCount AS fc, FirstSum AS fs, FirstBuckets AS fb,
        LastTime AS lt, LastCount AS lc, LastSum AS ls, LastBuckets AS lb,
        PeakCount AS pc, PeakTime AS pt, PeakSum AS ps, PeakBuckets AS pb
    FROM {{db}}.gridscope_histogram_rollup_1m
)
GROUP BY MetricName, ServiceName, Series, q, StartTimeUnix, AggregationTemporality, Bounds;
