-- The exporter's logs table gained, in v0.151, eight columns holding resource attributes
-- that log views filter on (Kubernetes names, the deployment environment), which it stores
-- (MATERIALIZED) as rows are written. Tools made for that table may read them, so they are
-- here too, with the same names and types, in the exporter's order after EventName; but
-- computed when read (ALIAS): stored, they took about a tenth more of the engine's CPU per
-- log record inserted (bench/RESULTS.md), and Gridscope's own reads do not use them.
ALTER TABLE {{db}}.otel_logs {{on_cluster}}
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.cluster.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.cluster.name'] AFTER EventName,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.container.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.container.name']
        AFTER `__otel_materialized_k8s.cluster.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.deployment.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.deployment.name']
        AFTER `__otel_materialized_k8s.container.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.namespace.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.namespace.name']
        AFTER `__otel_materialized_k8s.deployment.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.node.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.node.name']
        AFTER `__otel_materialized_k8s.namespace.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.pod.name` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.pod.name']
        AFTER `__otel_materialized_k8s.node.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_k8s.pod.uid` LowCardinality(String)
        ALIAS ResourceAttributes['k8s.pod.uid']
        AFTER `__otel_materialized_k8s.pod.name`,
    ADD COLUMN IF NOT EXISTS `__otel_materialized_deployment.environment.name` LowCardinality(String)
        ALIAS ResourceAttributes['deployment.environment.name']
        AFTER `__otel_materialized_k8s.pod.uid`;
