-- Impact previews (POST /v1/rules/impact): a job that evaluates stored users' histories under draft
-- rules and writes nothing but its own row. The drafts it runs under, how many users it looks at
-- at most, and what it found (JSON, added to after each batch).
ALTER TABLE jobs ADD COLUMN drafts VARCHAR;
ALTER TABLE jobs ADD COLUMN sample_size BIGINT;
ALTER TABLE jobs ADD COLUMN result VARCHAR;
