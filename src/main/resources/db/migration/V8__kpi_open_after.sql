-- A milestone whose window counts from an @after milestone: the users of the day (and trait value)
-- who reached that milestone and not this one, by the hour (epoch hours) they reached it,
-- "hour:count;...". Who is still inside the window at any later time is read off it; answers count
-- only the hour the window closes in from the records.
ALTER TABLE kpi_days ADD COLUMN open_after VARCHAR;
