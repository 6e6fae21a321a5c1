-- Webhooks: endpoints, and one delivery per (outbox message, endpoint) with its attempts.

-- The id receivers see in the webhook-id header: the same for every endpoint and every retry of
-- a message. Random, so ids never repeat across databases (receivers deduplicate on it).
ALTER TABLE outbox ADD COLUMN webhook_id VARCHAR(40);

CREATE SEQUENCE delivery_seq START WITH 1 INCREMENT BY 500;

CREATE TABLE webhook_endpoints (
    id                    VARCHAR(40)   NOT NULL PRIMARY KEY,
    url                   VARCHAR(2048) NOT NULL,
    description           VARCHAR(500),
    -- comma-separated filters; NULL means every message type / every action
    types                 VARCHAR(200),
    actions               VARCHAR(4000),
    -- whsec_<base64>; the previous secret is still signed with until previous_secret_until
    secret                VARCHAR(200)  NOT NULL,
    previous_secret       VARCHAR(200),
    previous_secret_until TIMESTAMP WITH TIME ZONE,
    enabled               BOOLEAN       NOT NULL,
    disabled_reason       VARCHAR(500),
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One message to one endpoint. next_attempt_at is set only while the delivery waits for an
-- attempt (pending and its endpoint enabled); while an attempt is in flight it holds the claim's
-- lease, so a worker that dies mid-send hands the delivery back when the lease ends.
CREATE TABLE deliveries (
    id               BIGINT       NOT NULL PRIMARY KEY,
    message_id       BIGINT       NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    endpoint_id      VARCHAR(40)  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    webhook_id       VARCHAR(40)  NOT NULL,
    type             VARCHAR(40)  NOT NULL,
    user_id          VARCHAR(255) NOT NULL,
    subject          VARCHAR(200) NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    attempts         INTEGER      NOT NULL,
    attempts_left    INTEGER      NOT NULL,
    next_attempt_at  TIMESTAMP WITH TIME ZONE,
    last_attempt_at  TIMESTAMP WITH TIME ZONE,
    last_status_code INTEGER,
    last_error       VARCHAR(1000),
    last_duration_ms INTEGER,
    delivered_at     TIMESTAMP WITH TIME ZONE,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_deliveries_message_endpoint UNIQUE (message_id, endpoint_id)
);
CREATE INDEX ix_deliveries_due ON deliveries (next_attempt_at);
CREATE INDEX ix_deliveries_endpoint ON deliveries (endpoint_id, id);

CREATE TABLE delivery_attempts (
    delivery_id BIGINT        NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER       NOT NULL,
    started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    status_code INTEGER,
    error       VARCHAR(1000),
    duration_ms INTEGER       NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
