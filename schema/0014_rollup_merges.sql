-- The roll-up tables are small (a day of the query benchmark's data is a few to 30 MB
-- each), and long reads merge their rows' states part by part: a day of histogram minutes
-- read from ten parts took 5 to 20 ms more than from two. Parts of a roll-up that are all
-- at least five minutes old are merged even where the size-based choice of merges would
-- leave them, so a long read meets few parts; rewriting a day's roll-up every few minutes
-- costs little next to inserting the points.

ALTER TABLE {{db}}.gridscope_gauge_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_sum_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_stats_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_stats_15m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_histogram_quarters {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_log_rollup_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_span_stats_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_span_stats_1h {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
ALTER TABLE {{db}}.gridscope_service_edges_1m {{on_cluster}} MODIFY SETTING min_age_to_force_merge_seconds = 300;
