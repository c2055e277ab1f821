-- The roll-up tables are small (a day of the query benchmark's data is a few to 30 MB
-- each), and long reads merge their rows' states part by part: a day of histogram minutes
-- read from ten parts took 5 to 10 ms more than from four, up to 20 more than from two.
-- Ranges of a roll-up's parts that are all at least five minutes old are merged even where
-- the size-based choice of merges would leave them (seen here: five parts of a day left
-- after a bulk load became two); rewriting a day's roll-up every few minutes costs little
-- next to inserting the points.

ALTER TABLE {{db}}.gridscope_gauge_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_sum_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_stats_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_stats_15m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_quarters {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_log_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_span_stats_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_span_stats_1h {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_service_edges_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
