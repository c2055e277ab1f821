-- The organization's audit trail: append-only, one hash chain per database. Hash is the
-- SHA-256 of PrevHash and the canonical encoding of the entry (src/audit/chain.ts).
CREATE TABLE IF NOT EXISTS {{db}}.gridscope_audit_log {{on_cluster}} (
    Seq UInt64,
    Time DateTime64(3, 'UTC'),
    ActorType LowCardinality(String),
    ActorId String,
    ActorName String,
    Action LowCardinality(String),
    ResourceType LowCardinality(String),
    ResourceId String,
    -- JSON of the resource before and after the change; empty when it did not exist.
    Before String,
    After String,
    RequestId String,
    ClientAddress String,
    PrevHash String,
    Hash String
) ENGINE = {{engine:MergeTree}}
ORDER BY Seq;
