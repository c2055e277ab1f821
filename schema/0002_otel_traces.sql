-- Traces and the trace-id lookup table with its materialized view, column-compatible with
-- the OpenTelemetry Collector ClickHouse exporter (v0.151). Gridscope adds, for OTLP fields
-- the exporter drops: Events.DroppedAttrCount, Links.Flags, Links.DroppedAttrCount, and the
-- columns from Flags to ScopeDroppedAttrCount; and two columns computed when read, not
-- stored: ResourceAttributeItems and SpanAttributeItems.
--
-- Sorted by ten-minute bucket and trace id (the exporter sorts by service, span name and
-- time), so that one trace's spans lie together: reading a trace decodes every column of
-- each granule holding one of its spans, and sorted by service a trace's spans lay in as
-- many granules as it had services and operations. On 10 million spans a trace read took
-- about half as long sorted by trace, and on the benchmark's data inserts were as fast and
-- the table no larger (bench/RESULTS.md). Reads of a time range prune by the bucket;
-- searches read the newest spans first (see findTraces). Granules of 1,024 rows (the
-- exporter: 8,192) and compressed blocks from 4 KiB keep the decoded part of each granule
-- small. ClickHouse cannot change a table's sort key or granule size in place: databases
-- created by earlier versions keep theirs.
CREATE TABLE IF NOT EXISTS {{db}}.otel_traces {{on_cluster}} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String),
        DroppedAttrCount UInt32
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String),
        Flags UInt32,
        DroppedAttrCount UInt32
    ) CODEC(ZSTD(1)),
    Flags UInt32 CODEC(ZSTD(1)),
    DroppedAttrCount UInt32 CODEC(ZSTD(1)),
    DroppedEventsCount UInt32 CODEC(ZSTD(1)),
    DroppedLinksCount UInt32 CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),

    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = {{engine:MergeTree}}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (toStartOfTenMinutes(Timestamp), TraceId)
ORDER BY (toStartOfTenMinutes(Timestamp), TraceId, Timestamp)
SETTINGS index_granularity = 1024, min_compress_block_size = 4096, max_compress_block_size = 262144,
    ttl_only_drop_parts = 1, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.otel_traces_trace_id_ts {{on_cluster}} (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.otel_traces_trace_id_ts_mv {{on_cluster}}
TO {{db}}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM {{db}}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
