-- Calls between services per minute, for the service map over long ranges: a span whose
-- parent span belongs to another service is a call from the parent's service (Caller) to
-- the span's (Callee), counted in the minute the span starts. Latency is the span's
-- Duration in the log-scale buckets of gridscope_span_stats_1m (schema/0009).
--
-- A view cannot fill this table: parent and child come from different services, so they
-- arrive in different requests, and a parent usually arrives after its children (it ends
-- after them). Gridscope rolls up whole ten-minute chunks some time after they end, and
-- again when spans of an already rolled chunk arrive (src/store/queries/service-edges.ts,
-- src/query/traces/edge-roller.ts). Each roll-up is one insert holding the chunk's calls
-- and a row per minute with empty Caller and Callee that marks the minute as rolled up, so
-- a minute is either complete or absent. A later roll-up of a chunk replaces the earlier
-- one key by key (the newest RolledAt wins; reads use FINAL), so rolling a chunk twice, by
-- a retry or by two Gridscope processes, counts nothing twice. Reads take the marked
-- minutes from here and the rest from the spans.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_service_edges_1m {{on_cluster}} (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Caller LowCardinality(String) CODEC(ZSTD(1)),
    Callee LowCardinality(String) CODEC(ZSTD(1)),
    Calls UInt64,
    Errors UInt64,
    Latency Map(Int16, UInt64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Caller, Callee)
SETTINGS ttl_only_drop_parts = 1, {{dedup_window}};
