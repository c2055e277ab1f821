-- The platform's audit trail (organizations and platform keys), shaped like each
-- organization's (schema/0004_audit_log.sql) so one verifier reads both.
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
