-- Quarter-hour sums of exponential histogram increases pooled across series, so that a read
-- of a metric with no filter and no grouping adds up about one row per quarter instead of
-- one per series and quarter (src/store/queries/histogram-increases.ts).
--
-- A quarter's rows for a metric, computed with its sums (gridscope_exp_histogram_increases_15m):
-- Slot 0 pools the sums whose two forms agree (the quarter holds no first point of their
-- run, so no read needs to choose between them): brought to the lowest SumScale among them
-- (Scale) and added up, held in both forms, with the lowest MinScale and the highest zero
-- threshold among them and how many they are (Groups). Slots 1 and on copy the other sums,
-- one each, with both forms and their StartTimeUnix, which a read chooses between as it
-- does for the sums. Only reads whose scan starts at least an hour before a quarter take
-- these rows: then every minute of it that continues a group continues one within the scan.
--
-- All rows of one computation share its RolledAt, and reads take the newest computation of
-- each quarter (FINAL, and only the rows of the newest RolledAt, as a later one may fill
-- fewer slots).

CREATE TABLE IF NOT EXISTS {{db}}.gridscope_exp_histogram_pooled_15m {{on_cluster}} (
    MetricName LowCardinality(String) CODEC(ZSTD(1)),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Slot UInt32 CODEC(ZSTD(1)),
    Groups UInt32 CODEC(ZSTD(1)),
    StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1)),
    Scale Int32 CODEC(ZSTD(1)),
    MinScale Int32 CODEC(ZSTD(1)),
    ZeroThreshold Float64 CODEC(ZSTD(1)),
    StartedKeys Array(Int64) CODEC(ZSTD(1)),
    StartedCounts Array(Int64) CODEC(ZSTD(1)),
    AloneKeys Array(Int64) CODEC(ZSTD(1)),
    AloneCounts Array(Int64) CODEC(ZSTD(1)),
    RolledAt DateTime64(3) CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:RolledAt}}
PARTITION BY toDate(Minute)
ORDER BY (MetricName, Minute, Slot)
SETTINGS ttl_only_drop_parts = 1, min_age_to_force_merge_seconds = 300, {{dedup_window}};

-- Quarters rolled up before this have no pooled rows, which would leave them out of the
-- reads that take them: marked written again, they are read from the minutes until rolled
-- up anew, with their pooled rows.
INSERT INTO {{db}}.gridscope_histogram_quarters SETTINGS insert_deduplicate = 0
SELECT Quarter, now64(3), toDateTime64(0, 3)
FROM {{db}}.gridscope_histogram_quarters
GROUP BY Quarter;
