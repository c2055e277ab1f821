-- A group's first point counts from 0 as the start of a run only when it lies at most an
-- hour after its start time (src/store/queries/metrics-rollup.ts, termConditions). Before,
-- a point of a run silent for more than an hour counted from 0 again in reads that looked
-- back to the run's start, adding up growth they had counted already. The increases stored
-- for quarters rolled up before this used the old rule: marked written again, they are read
-- from the minutes until rolled up anew.
INSERT INTO {{db}}.gridscope_histogram_quarters SETTINGS insert_deduplicate = 0
SELECT Quarter, now64(3), toDateTime64(0, 3)
FROM {{db}}.gridscope_histogram_quarters
GROUP BY Quarter;
