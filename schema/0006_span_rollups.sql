-- Per-minute aggregates of spans per service, span name and kind, kept up to date on
-- insert, so that service views over long ranges read minutes instead of spans. Latency
-- is a t-digest state of Duration (nanoseconds) for p50, p95 and p99.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_span_rollup_1m {{on_cluster}} (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt64)
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (ServiceName, Minute, SpanName, SpanKind)
SETTINGS ttl_only_drop_parts = 1;

-- Spans stored before this migration, once: the rollup is empty only the first time (the
-- receivers open after migrations, so nothing is inserted meanwhile).
INSERT INTO {{db}}.gridscope_span_rollup_1m
SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName, SpanName, SpanKind,
    count() AS Calls, countIf(StatusCode = 'STATUS_CODE_ERROR') AS Errors,
    quantilesTDigestState(0.5, 0.95, 0.99)(Duration) AS Latency
FROM {{db}}.otel_traces
WHERE (SELECT count() FROM {{db}}.gridscope_span_rollup_1m) = 0
GROUP BY Minute, ServiceName, SpanName, SpanKind;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.gridscope_span_rollup_1m_mv {{on_cluster}}
TO {{db}}.gridscope_span_rollup_1m
AS SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName, SpanName, SpanKind,
    count() AS Calls, countIf(StatusCode = 'STATUS_CODE_ERROR') AS Errors,
    quantilesTDigestState(0.5, 0.95, 0.99)(Duration) AS Latency
FROM {{db}}.otel_traces
GROUP BY Minute, ServiceName, SpanName, SpanKind;

-- Reads of the minutes at the edges of a range go to the spans themselves; a min/max
-- index on the time lets them skip the rest of the day's partition.
ALTER TABLE {{db}}.otel_traces {{on_cluster}}
    ADD INDEX IF NOT EXISTS idx_timestamp Timestamp TYPE minmax GRANULARITY 1;
