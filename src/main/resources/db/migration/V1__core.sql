-- Milepost core schema. Portable between H2 2.x and PostgreSQL: no vendor upserts,
-- sequences step by 500 so one round trip numbers a whole 500-event request;
-- sequences (not identity columns) so that Hibernate can batch inserts.

CREATE SEQUENCE event_seq START WITH 1 INCREMENT BY 500;
CREATE SEQUENCE record_seq START WITH 1 INCREMENT BY 500;
CREATE SEQUENCE outbox_seq START WITH 1 INCREMENT BY 500;

-- One row per user. Ingestion locks this row (SELECT ... FOR UPDATE) for the whole
-- evaluation, which serialises concurrent requests for the same user.
CREATE TABLE users (
    id              VARCHAR(255) NOT NULL PRIMARY KEY,
    traits          VARCHAR      NOT NULL,
    -- per event name and UTC day: count, first and last time (JSON, see ActivityCodec); the counts
    -- behind Activity.countWithin / countInLast / activeDaysInLast / activeWeeksInLast
    activity        VARCHAR      NOT NULL,
    signed_up_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    signup_from_trait BOOLEAN    NOT NULL,
    last_event_at   TIMESTAMP WITH TIME ZONE,
    stage           VARCHAR(200),
    next_check_at   TIMESTAMP WITH TIME ZONE,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_users_signed_up ON users (signed_up_at);
CREATE INDEX ix_users_next_check ON users (next_check_at);

-- Append-only log of everything ingested. message_id is the idempotency key.
CREATE TABLE events (
    id           BIGINT       NOT NULL PRIMARY KEY,
    message_id   VARCHAR(255) NOT NULL,
    user_id      VARCHAR(255) NOT NULL,
    type         VARCHAR(16)  NOT NULL,
    name         VARCHAR(200),
    payload      VARCHAR      NOT NULL,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_events_message UNIQUE (message_id)
);
CREATE INDEX ix_events_user_time ON events (user_id, occurred_at);

CREATE TABLE milestones (
    id            BIGINT       NOT NULL PRIMARY KEY,
    user_id       VARCHAR(255) NOT NULL,
    milestone     VARCHAR(200) NOT NULL,
    reached_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    rule_name     VARCHAR(500) NOT NULL,
    rules_version VARCHAR(64)  NOT NULL,
    recorded_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_milestones_user UNIQUE (user_id, milestone)
);
CREATE INDEX ix_milestones_name ON milestones (milestone, user_id);

-- Windows that closed unreached (written by the stall sweep).
CREATE TABLE stalls (
    id            BIGINT       NOT NULL PRIMARY KEY,
    user_id       VARCHAR(255) NOT NULL,
    milestone     VARCHAR(200) NOT NULL,
    since         TIMESTAMP WITH TIME ZONE NOT NULL,
    rules_version VARCHAR(64)  NOT NULL,
    recorded_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_stalls_user UNIQUE (user_id, milestone)
);
CREATE INDEX ix_stalls_name ON stalls (milestone, user_id);

-- Every time an action fired. occurrence is 1 for the first firing and counts up for
-- rules with @repeat; the unique key makes "once per (user, action)" a database fact.
CREATE TABLE actions (
    id            BIGINT       NOT NULL PRIMARY KEY,
    user_id       VARCHAR(255) NOT NULL,
    action        VARCHAR(200) NOT NULL,
    occurrence    INTEGER      NOT NULL,
    triggered_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    rule_name     VARCHAR(500) NOT NULL,
    payload       VARCHAR      NOT NULL,
    rules_version VARCHAR(64)  NOT NULL,
    recorded_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_actions_user UNIQUE (user_id, action, occurrence)
);
CREATE INDEX ix_actions_name ON actions (action, user_id);
CREATE INDEX ix_actions_user ON actions (user_id, action);

-- Rule evaluations that failed (a consequence threw, or the firing cap was hit).
CREATE TABLE evaluation_failures (
    id            BIGINT        NOT NULL PRIMARY KEY,
    user_id       VARCHAR(255)  NOT NULL,
    occurred_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    rule_name     VARCHAR(500),
    message       VARCHAR(2000) NOT NULL,
    rules_version VARCHAR(64)   NOT NULL,
    recorded_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_failures_user ON evaluation_failures (user_id, occurred_at);

-- Transactional outbox: one row per message (milestone.reached, milestone.stalled,
-- action.triggered), written in the transaction that records the fact.
-- Webhook delivery fans these out to endpoints.
CREATE TABLE outbox (
    id            BIGINT       NOT NULL PRIMARY KEY,
    type          VARCHAR(40)  NOT NULL,
    user_id       VARCHAR(255) NOT NULL,
    subject       VARCHAR(200) NOT NULL,
    body          VARCHAR      NOT NULL,
    occurred_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    dispatched_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX ix_outbox_pending ON outbox (dispatched_at, id);
CREATE INDEX ix_outbox_user ON outbox (user_id);
