-- Issue 14: anonymous visitors merged into the user they become, accounts (Segment group), and
-- actions suppressed because they were no longer current.

-- Whether the user was ever named by a userId (rather than only by an anonymousId). Ingestion only
-- merges users who never were into identified ones; rows from before this change count as identified.
ALTER TABLE users ADD COLUMN identified BOOLEAN DEFAULT TRUE NOT NULL;

-- Ids merged into another user: calls under them reach that user. Always points at a user that
-- exists (a merge into a user re-points the ids merged into the one it absorbs), and an id is
-- either a user or an alias, never both. See docs/adr/0011-identity-merge.md.
CREATE TABLE user_aliases (
    alias_id   VARCHAR(255) NOT NULL PRIMARY KEY,
    user_id    VARCHAR(255) NOT NULL,
    merged_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- what merged it: identify, track, page, screen, group (a call with both ids), alias, admin
    via        VARCHAR(16)  NOT NULL
);
CREATE INDEX ix_user_aliases_user ON user_aliases (user_id);

-- An event row's name is also a group call's account id and an alias call's previous id: ids of
-- up to 255 characters.
ALTER TABLE events ALTER COLUMN name SET DATA TYPE VARCHAR(255);

-- Accounts (Segment group): the account's traits, merged over every group call for it.
CREATE TABLE accounts (
    id          VARCHAR(255) NOT NULL PRIMARY KEY,
    traits      VARCHAR      NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which users belong to which accounts (a user may belong to several).
CREATE TABLE account_members (
    user_id     VARCHAR(255) NOT NULL,
    account_id  VARCHAR(255) NOT NULL,
    joined_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX ix_account_members_account ON account_members (account_id);

-- Why an action was recorded without being sent: silent_replay (a replay without fireActions),
-- stale (its triggering fact is older than milepost.actions.max-age), stall_resolved (it answers a
-- stall whose milestone was reached by the time it was evaluated). NULL when it was not suppressed.
ALTER TABLE actions ADD COLUMN suppressed_reason VARCHAR(40);
UPDATE actions SET suppressed_reason = 'silent_replay' WHERE suppressed = TRUE;
