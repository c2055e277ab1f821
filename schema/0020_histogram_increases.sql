-- Per-minute bucket increases of histograms, of both kinds, so that a read over a range
-- sums them instead of replaying the first, last and highest points of every minute
-- (gridscope_histogram_stats_1m, gridscope_exp_histogram_stats_1m) through a window: a
-- group's increase depends on the group before it in its series, which a view cannot see
-- as points arrive, so Gridscope computes them in the background from the minute stats,
-- a quarter hour at a time (src/store/queries/histogram-increases.ts).
--
-- A row is one group of a minute's stats (series, start time, temporality, bounds or
-- scale), kept in three forms, of which a read takes one: continuing the group before it
-- (Cont; that group's last point at PrevTime, set only when at most an hour before the
-- minute: a series silent longer starts over), or without one, with a run that started
-- within the read (Started) or before it (Alone). Explicit-bounds counts are per bucket;
-- exponential buckets are keys (twice the bucket index, plus one on the negative side, and
-- one key for the zero bucket) with counts, at ContScale for Cont and MinScale otherwise.
--
-- A quarter's rows depend on the points of the hour before it too: they are read only
-- when the quarter was computed after the last write to it and to the four quarters
-- before it (gridscope_histogram_quarters). A new computation replaces the quarter's rows
-- key by key (the newest RolledAt wins; reads use FINAL).

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_increases_1m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Bounds UInt64 CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    Attributes Map(String, String) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    FirstTime DateTime64(9) CODEC(Delta, ZSTD(1)),
    PrevTime DateTime64(9) CODEC(Delta, ZSTD(1)),
    QuarterPrev DateTime64(9) CODEC(Delta, ZSTD(1)),
    Kept Bool,
    Cont Array(Int64) CODEC(ZSTD(1)),
    Started Array(Int64) CODEC(ZSTD(1)),
    Alone Array(Int64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_exp_histogram_increases_1m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    Attributes Map(String, String) CODEC(ZSTD(1)),
    MinScale Int32 CODEC(ZSTD(1)),
    ContScale Int32 CODEC(ZSTD(1)),
    ZeroThreshold Float64 CODEC(ZSTD(1)),
    FirstTime DateTime64(9) CODEC(Delta, ZSTD(1)),
    PrevTime DateTime64(9) CODEC(Delta, ZSTD(1)),
    QuarterPrev DateTime64(9) CODEC(Delta, ZSTD(1)),
    ContKeys Array(Int64) CODEC(ZSTD(1)),
    ContCounts Array(Int64) CODEC(ZSTD(1)),
    StartedKeys Array(Int64) CODEC(ZSTD(1)),
    StartedCounts Array(Int64) CODEC(ZSTD(1)),
    AloneKeys Array(Int64) CODEC(ZSTD(1)),
    AloneCounts Array(Int64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Scale)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

-- Quarter-hour sums of the minutes' increases per group (Minute is the quarter's start), for
-- reads in steps of whole quarter hours, in two forms: Started sums the minutes' Cont where
-- PrevTime is set and their Started elsewhere, Alone the same with Alone. MinPrev is the
-- earliest PrevTime of the quarter's minutes (far in the future for none), which each
-- minute also keeps (QuarterPrev): a read that scans from MinPrev or earlier takes every
-- minute of the quarter continuing the group before it, and a group has one start time,
-- so it takes the quarter from here and the others' minutes from the minute tables.
-- Exponential buckets are at SumScale, the lowest scale of the forms summed.

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_histogram_increases_15m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Bounds UInt64 CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    Attributes Map(String, String) CODEC(ZSTD(1)),
    ExplicitBounds Array(Float64) CODEC(ZSTD(1)),
    MinPrev DateTime64(9) CODEC(Delta, ZSTD(1)),
    Started Array(Int64) CODEC(ZSTD(1)),
    Alone Array(Int64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Bounds)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_exp_histogram_increases_15m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Series UInt64 CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    AggregationTemporality Int32 CODEC(ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    Attributes Map(String, String) CODEC(ZSTD(1)),
    MinScale Int32 CODEC(ZSTD(1)),
    SumScale Int32 CODEC(ZSTD(1)),
    MinPrev DateTime64(9) CODEC(Delta, ZSTD(1)),
    ZeroThreshold Float64 CODEC(ZSTD(1)),
    StartedKeys Array(Int64) CODEC(ZSTD(1)),
    StartedCounts Array(Int64) CODEC(ZSTD(1)),
    AloneKeys Array(Int64) CODEC(ZSTD(1)),
    AloneCounts Array(Int64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, ServiceName, Series, StartTimeUnix, AggregationTemporality, Scale)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

-- Quarters holding histograms stored before this migration, to be computed: marked as
-- written now, so the roll-up takes them again.
INSERT INTO {{db}}.gridscope_histogram_quarters SETTINGS insert_deduplicate = 0
SELECT Quarter, now64(3), toDateTime64(0, 3)
FROM {{db}}.gridscope_histogram_quarters
GROUP BY Quarter;
