package io.milepost.facts;

import java.util.Map;

/**
 * An account the user belongs to (a Segment {@code group} call linked them), with the account's
 * traits. One per account; a user in no account has none, so {@code not Account()} means "in no
 * account".
 *
 * <pre>Account( trait("plan") == "team" )</pre>
 */
public final class Account {
    private final String id;
    private final Map<String, Object> traits;

    public Account(String id, Map<String, Object> traits) {
        this.id = id;
        this.traits = traits;
    }

    /** The account id (Segment {@code groupId}). */
    public String getId() {
        return id;
    }

    /** A trait of the account, e.g. {@code trait("plan")}; null if it has none. */
    public Object trait(String name) {
        return traits.get(name);
    }

    /** True when the account has this trait with a non-null value. */
    public boolean hasTrait(String name) {
        return traits.get(name) != null;
    }

    /** All the account's traits, read-only. */
    public Map<String, Object> getTraits() {
        return traits;
    }

    @Override
    public String toString() {
        return "Account[" + id + "]";
    }
}
