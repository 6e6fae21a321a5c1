-- Issue 12: action control groups (@holdout), SMART targets, and messages without a user.

-- An action for a user in the control group of its rule's @holdout: recorded (it counts for once
-- per (user, action)) but not sent, so the users who got it can be compared with those who did not.
ALTER TABLE actions ADD COLUMN held_out BOOLEAN DEFAULT FALSE NOT NULL;

-- A target.status_changed message is about a target, not a user.
ALTER TABLE outbox ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE deliveries ALTER COLUMN user_id DROP NOT NULL;

-- SMART targets: "60% of each weekly signup cohort reaches first_value within its window by
-- 2027-03-31". status and status_since are what the last evaluation decided (and announced).
CREATE TABLE targets (
    id            VARCHAR(40)  NOT NULL PRIMARY KEY,
    name          VARCHAR(200) NOT NULL,
    milestone     VARCHAR(200) NOT NULL,
    share         DOUBLE PRECISION NOT NULL,
    within_window BOOLEAN      NOT NULL,
    -- week (Monday 00:00 UTC) | month (the 1st, 00:00 UTC)
    cohort        VARCHAR(8)   NOT NULL,
    deadline      DATE         NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    status_since  TIMESTAMP WITH TIME ZONE NOT NULL,
    explanation   VARCHAR(1000) NOT NULL,
    evaluated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
