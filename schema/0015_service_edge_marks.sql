-- Ten-minute chunks of the service map (0011) that spans arrived for after the chunk had
-- settled, so that it is rolled up again: a row with MarkedAt when such spans are stored,
-- a row with RolledAt when a roll-up of a marked chunk starts reading spans. A chunk whose
-- latest mark is later than its latest roll-up is rolled up again. The marks live here
-- rather than in the memory of the process that stored the spans, so that a restart, or
-- another Gridscope on the same ClickHouse, still rolls those chunks up again.
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_service_edge_marks {{on_cluster}} (
    Chunk DateTime CODEC(Delta(4), ZSTD(1)),
    MarkedAt SimpleAggregateFunction(max, DateTime64(3)),
    RolledAt SimpleAggregateFunction(max, DateTime64(3))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(Chunk)
ORDER BY Chunk
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};
