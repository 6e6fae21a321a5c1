-- Which recount wrote a day's kept figures: a number drawn anew by every recount and written on every
-- row it inserts for the day. Answers keep the day's parsed rows in memory under it and read them
-- again only when the users row of the day names another recount (any instance may recount a day).
-- Rows kept before this column are NULL: read from the table every time until recounted.
ALTER TABLE kpi_days ADD COLUMN recount_id BIGINT;
