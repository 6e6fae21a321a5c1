-- The event names the service has received and when it last saw each (to the hour): rule validation
-- warns about a rule that waits for an event nothing has sent lately (a typo, or a tracking plan
-- that changed). Written at most once an hour per name and instance, outside ingestion's transaction.
CREATE TABLE event_names (
    name         VARCHAR(200) NOT NULL PRIMARY KEY,
    last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL
);
