-- PostgreSQL only. The indexes the background work claims from hold only what is waiting:
-- outbox messages not fanned out yet, deliveries with a next attempt, users with a next check.
-- Whatever is done leaves its index (the update that finishes it adds no new entry), so each index
-- stays as small as its queue instead of growing with everything ever sent or every settled user.
-- The claims (dispatched_at IS NULL; next_attempt_at and next_check_at between two times) imply
-- the predicates, so the planner uses them.
DROP INDEX ix_outbox_pending;
CREATE INDEX ix_outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;
DROP INDEX ix_deliveries_due;
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
DROP INDEX ix_users_next_check;
CREATE INDEX ix_users_next_check ON users (next_check_at) WHERE next_check_at IS NOT NULL;
