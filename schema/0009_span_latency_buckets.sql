-- Span aggregates per span kind, service and span name, per minute and per hour, replacing
-- gridscope_span_rollup_1m: merging a day of its t-digest states cost the services view
-- far more than reading them. Latency is a histogram of Duration (nanoseconds) in fixed
-- log-scale buckets, key round(log(Duration) / log(1.02)) (-1 for a duration of 0), that
-- merges by adding counts key by key; any quantile read from it is within 1% of the exact
-- one (src/store/queries/latency-buckets.ts, whose BUCKET_KEY_SQL is the text used here).
-- SpanKind leads the sort key so that reads of entry spans (server, consumer) skip the
-- other kinds by the primary index; the small granules let a range of minutes of one
-- service skip the rest of the day.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_span_stats_1m {{on_cluster}} (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Latency SimpleAggregateFunction(sumMap, Map(Int16, UInt64)) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (SpanKind, ServiceName, Minute, SpanName)
SETTINGS index_granularity = 256, ttl_only_drop_parts = 1, {{dedup_window}};

-- The same per hour, for the whole hours of long ranges: a day is 24 rows per span name
-- instead of 1440.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_span_stats_1h {{on_cluster}} (
    Hour DateTime CODEC(Delta(4), ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Latency SimpleAggregateFunction(sumMap, Map(Int16, UInt64)) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toStartOfWeek(Hour)
ORDER BY (SpanKind, ServiceName, Hour, SpanName)
SETTINGS index_granularity = 256, ttl_only_drop_parts = 1, {{dedup_window}};

-- Spans stored before this migration, emptied first and without deduplication (see 0007: a
-- backfill interrupted by a stop runs again from the start). Spans are counted per bucket
-- first, then each group's buckets become one map: cheaper than a map per span. The hour
-- table is emptied only after the minute backfill: the hour view, if an interrupted run
-- created it, has copied that backfill into it.
TRUNCATE TABLE IF EXISTS {{db}}.gridscope_span_stats_1m {{on_cluster}};
INSERT INTO {{db}}.gridscope_span_stats_1m SETTINGS insert_deduplicate = 0
SELECT Minute, SpanKind, ServiceName, SpanName, sum(n) AS Calls, sum(e) AS Errors,
    mapFromArrays(groupArray(k), groupArray(n)) AS Latency
FROM (
    SELECT toStartOfMinute(Timestamp) AS Minute, SpanKind, ServiceName, SpanName,
        if(Duration = 0, toInt16(-1), toInt16(round(log(Duration) / log(1.02)))) AS k,
        count() AS n, countIf(StatusCode = 'STATUS_CODE_ERROR') AS e
    FROM {{db}}.otel_traces
    GROUP BY Minute, SpanKind, ServiceName, SpanName, k
)
GROUP BY Minute, SpanKind, ServiceName, SpanName;

TRUNCATE TABLE IF EXISTS {{db}}.gridscope_span_stats_1h {{on_cluster}};
INSERT INTO {{db}}.gridscope_span_stats_1h SETTINGS insert_deduplicate = 0
SELECT toStartOfHour(Minute) AS Hour, SpanKind, ServiceName, SpanName,
    sum(Calls) AS Calls, sum(Errors) AS Errors, sumMap(Latency) AS Latency
FROM {{db}}.gridscope_span_stats_1m
GROUP BY Hour, SpanKind, ServiceName, SpanName;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_span_stats_1m_mv {{on_cluster}}
TO {{db}}.gridscope_span_stats_1m
AS SELECT Minute, SpanKind, ServiceName, SpanName, sum(n) AS Calls, sum(e) AS Errors,
    mapFromArrays(groupArray(k), groupArray(n)) AS Latency
FROM (
    SELECT toStartOfMinute(Timestamp) AS Minute, SpanKind, ServiceName, SpanName,
        if(Duration = 0, toInt16(-1), toInt16(round(log(Duration) / log(1.02)))) AS k,
        count() AS n, countIf(StatusCode = 'STATUS_CODE_ERROR') AS e
    FROM {{db}}.otel_traces
    GROUP BY Minute, SpanKind, ServiceName, SpanName, k
)
GROUP BY Minute, SpanKind, ServiceName, SpanName;

-- Fed by what the minute view inserts, so a span is bucketed once.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_span_stats_1h_mv {{on_cluster}}
TO {{db}}.gridscope_span_stats_1h
AS SELECT toStartOfHour(Minute) AS Hour, SpanKind, ServiceName, SpanName,
    sum(Calls) AS Calls, sum(Errors) AS Errors, sumMap(Latency) AS Latency
FROM {{db}}.gridscope_span_stats_1m
GROUP BY Hour, SpanKind, ServiceName, SpanName;

-- The t-digest rollup has no reader left.
DROP VIEW IF EXISTS {{db}}.gridscope_span_rollup_1m_mv {{on_cluster}};
DROP TABLE IF EXISTS {{db}}.gridscope_span_rollup_1m {{on_cluster}};
