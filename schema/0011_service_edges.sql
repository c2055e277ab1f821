-- Calls between services per minute, for the service map over long ranges: a span whose
-- parent span belongs to another service is a call from the parent's service (Caller) to
-- the span's (Callee), counted in the minute the span starts. Latency is the span's
-- Duration in the log-scale buckets of gridscope_span_stats_1m (schema/0009).
--
-- A view cannot fill this table: parent and child come from different services, so they
-- arrive in different requests, and a parent usually arrives after its children (it ends
-- after them). Gridscope rolls up whole ten-minute chunks some time after they end
-- (src/store/queries/service-edges.ts). Each chunk is one insert holding its calls and one
-- row per minute with empty Caller and Callee that marks the minute as rolled up, so a
-- minute is either complete or absent; the insert carries a token naming the chunk, so
-- rolling it again (a retry, or another Gridscope on the same server) is dropped as a
-- duplicate. Reads take the marked minutes from here and the rest from the spans.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_service_edges_1m {{on_cluster}} (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Caller LowCardinality(String) CODEC(ZSTD(1)),
    Callee LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    Latency SimpleAggregateFunction(sumMap, Map(Int16, UInt64)) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Caller, Callee)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};
