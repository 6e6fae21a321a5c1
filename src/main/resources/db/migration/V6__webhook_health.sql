-- Webhook delivery per endpoint (issue #16): fair claims, endpoint health, auto-disable.

-- Operational messages (webhook.endpoint.disabled) are about no user.
ALTER TABLE outbox ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE deliveries ALTER COLUMN user_id DROP NOT NULL;

-- failing_since: the first of the attempts that have all failed since the endpoint's last success
-- (NULL while its last attempt succeeded); after milepost.webhooks.disable-after it is disabled.
-- last_error_*: its most recent failed attempt, for the health view.
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE webhook_endpoints ADD COLUMN last_error_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE webhook_endpoints ADD COLUMN last_error_status INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN last_error VARCHAR(1000);

-- A disabled endpoint's pending deliveries now keep their due time (the claim skips disabled
-- endpoints): next_attempt_at is set exactly while a delivery is pending.
UPDATE deliveries SET next_attempt_at = created_at WHERE status = 'pending' AND next_attempt_at IS NULL;

-- Claims go endpoint by endpoint (each up to its own cap), so the due index leads with the endpoint.
DROP INDEX ix_deliveries_due;
CREATE INDEX ix_deliveries_endpoint_due ON deliveries (endpoint_id, next_attempt_at);

-- Attempts per endpoint, minute, outcome (delivered | retrying | failed) and latency bucket
-- (bucket b holds durations up to 2^(b/8) - 1 ms): one upsert per cycle, a day of rows per endpoint,
-- read by the health view; rows older than a day are purged.
CREATE TABLE webhook_attempt_stats (
    endpoint_id    VARCHAR(40) NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    minute_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    outcome        VARCHAR(16) NOT NULL,
    latency_bucket INTEGER     NOT NULL,
    attempts       INTEGER     NOT NULL,
    PRIMARY KEY (endpoint_id, minute_at, outcome, latency_bucket)
);
CREATE INDEX ix_webhook_attempt_stats_minute ON webhook_attempt_stats (minute_at);
