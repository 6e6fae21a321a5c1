-- Replay (issue #5): background jobs, and actions a replay recorded without sending.
-- (V2 is taken by webhooks, built on another branch; Flyway accepts the gap.)

-- An action recorded by a replay that was not asked to fire actions: it counts for "once per
-- (user, action)", so a later live event does not fire it stale, but it has no outbox message and
-- the action KPIs leave it out.
ALTER TABLE actions ADD COLUMN suppressed BOOLEAN DEFAULT FALSE NOT NULL;

-- One row per background job: its state, progress, counts and claim. The runner that owns a job
-- (owner, lease_until) processes one batch of users per transaction, with this row locked
-- (SELECT ... FOR UPDATE) and the cursor (last_user_id) moved in the same commit as the batch's
-- records, so no batch is ever run twice, whoever holds the lease. See docs/adr/0005-replay-jobs.md.
CREATE TABLE jobs (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    type               VARCHAR(40)  NOT NULL,
    -- queued | running | succeeded | failed
    status             VARCHAR(16)  NOT NULL,
    -- the job's type while it is queued or running, NULL once it ended: the unique key lets
    -- one job of a type be active at a time, across every instance sharing the database
    active             VARCHAR(40),
    fire_actions       BOOLEAN      NOT NULL,
    rules_version      VARCHAR(64),
    -- keyset cursor: the last user id done (users are processed in id order)
    last_user_id       VARCHAR(255),
    total_users        BIGINT       NOT NULL,
    done_users         BIGINT       NOT NULL,
    milestones_added   BIGINT       NOT NULL,
    actions_fired      BIGINT       NOT NULL,
    actions_suppressed BIGINT       NOT NULL,
    stalls_recorded    BIGINT       NOT NULL,
    failures           BIGINT       NOT NULL,
    -- JSON list of {userId, message}: the first 100 users that failed
    errors             VARCHAR      NOT NULL,
    -- time spent in batches, for the rate
    busy_millis        BIGINT       NOT NULL,
    owner              VARCHAR(200),
    lease_until        TIMESTAMP WITH TIME ZONE,
    -- why a job failed
    message            VARCHAR(2000),
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at         TIMESTAMP WITH TIME ZONE,
    finished_at        TIMESTAMP WITH TIME ZONE,
    CONSTRAINT uq_jobs_active UNIQUE (active)
);
CREATE INDEX ix_jobs_created ON jobs (created_at);
