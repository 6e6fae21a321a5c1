-- PostgreSQL only, as V3_2 did for the due index: the per-endpoint due index holds only pending
-- deliveries (those with a next attempt); the claims' ranges on next_attempt_at imply the predicate.
DROP INDEX ix_deliveries_endpoint_due;
CREATE INDEX ix_deliveries_endpoint_due ON deliveries (endpoint_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
