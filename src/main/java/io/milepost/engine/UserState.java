package io.milepost.engine;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the engine knows about one user while evaluating them: traits, signup, activity,
 * milestones, stalls and actions so far. Plain and in-memory: the service loads it from the
 * database (with the user row locked), simulations and scenario tests build it from scratch.
 */
public final class UserState {

    /** A milestone the user reached. */
    public record Reached(String milestone, Instant at, String rule) {}

    /** How often and when last an action fired for the user, and by which rule. */
    public record ActionHistory(int occurrences, Instant lastAt, String rule) {}

    private final String id;
    private final boolean stored;
    private boolean identified = true;
    private Map<String, Object> traits;
    private Instant signedUpAt;
    private boolean signupFromTrait;
    private Instant lastEventAt;
    private final Map<String, EventHistory> activity = new TreeMap<>();
    /** Occurrences per (event, property, value), for the property questions the rules ask (see {@link #propertyKey}). */
    private final java.util.TreeMap<String, EventHistory> properties = new java.util.TreeMap<>();

    private final Map<String, Reached> milestones = new LinkedHashMap<>();
    private final Map<String, Instant> stalls = new LinkedHashMap<>();
    private final Map<String, ActionHistory> actions = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> accounts = new TreeMap<>();
    private final Map<String, Reached> recordedMilestones = new LinkedHashMap<>();
    private final Map<String, Instant> recordedStalls = new LinkedHashMap<>();

    public UserState(
            String id,
            boolean stored,
            Map<String, Object> traits,
            Instant signedUpAt,
            boolean signupFromTrait,
            Instant lastEventAt) {
        this.id = id;
        this.stored = stored;
        this.traits = new LinkedHashMap<>(traits);
        this.signedUpAt = signedUpAt;
        this.signupFromTrait = signupFromTrait;
        this.lastEventAt = lastEventAt;
    }

    /** A user the engine has never seen. Signup and last-event times are set by their first input. */
    public static UserState fresh(String id) {
        return new UserState(id, false, Map.of(), null, false, null);
    }

    public String id() {
        return id;
    }

    /** True when the user already has a row in the database. */
    public boolean stored() {
        return stored;
    }

    /**
     * Whether the user was ever named by a {@code userId} (true), or only seen under an
     * {@code anonymousId} (false): only the latter may be merged into another user by ingestion.
     */
    public boolean identified() {
        return identified;
    }

    public void identified(boolean identified) {
        this.identified = identified;
    }

    public Map<String, Object> traits() {
        return traits;
    }

    /** The accounts the user belongs to (Segment {@code group}), by account id, with the account's traits. */
    public Map<String, Map<String, Object>> accounts() {
        return accounts;
    }

    /** Joins the account (if not a member yet) and lays {@code traits} over what the user knows of it. */
    public void joinAccount(String accountId, Map<String, Object> traits) {
        Map<String, Object> merged = new LinkedHashMap<>(accounts.getOrDefault(accountId, Map.of()));
        merged.putAll(traits);
        accounts.put(accountId, merged);
    }

    public void mergeTraits(Map<String, Object> more) {
        Map<String, Object> merged = new LinkedHashMap<>(traits);
        merged.putAll(more);
        traits = merged;
    }

    public Instant signedUpAt() {
        return signedUpAt;
    }

    public boolean signupFromTrait() {
        return signupFromTrait;
    }

    public void signedUpAt(Instant at, boolean fromTrait) {
        this.signedUpAt = at;
        this.signupFromTrait = fromTrait;
    }

    /** The latest track time seen (the user's activity high-water mark), or null before any track. */
    public Instant lastEventAt() {
        return lastEventAt;
    }

    public void lastEventAt(Instant at) {
        this.lastEventAt = at;
    }

    public Map<String, EventHistory> activity() {
        return activity;
    }

    /** The history of an event name, or of a {@link #propertyKey} (both are stored in one document). */
    public EventHistory history(String event) {
        return (isPropertyKey(event) ? properties : activity).computeIfAbsent(event, EventHistory::new);
    }

    /** The per-value histories the rules' property questions need, by {@link #propertyKey}. */
    public Map<String, EventHistory> properties() {
        return properties;
    }

    /** Event and property histories together, as they are stored. */
    public Map<String, EventHistory> histories() {
        Map<String, EventHistory> all = new LinkedHashMap<>(activity);
        all.putAll(properties);
        return all;
    }

    /**
     * The key of the history of an event's occurrences with one value of one property: event,
     * property and value joined by NUL, which no event name contains (ingestion refuses it).
     */
    public static String propertyKey(String event, String property, String value) {
        return event + '\u0000' + property + '\u0000' + value;
    }

    public static boolean isPropertyKey(String name) {
        return name.indexOf('\u0000') >= 0;
    }

    /** For the {@code Activity} of {@code event}: per value of {@code property}, its occurrences up to a time. */
    public Map<String, java.util.function.ToLongFunction<Instant>> byValue(String event, String property) {
        String prefix = event + '\u0000' + property + '\u0000';
        Map<String, java.util.function.ToLongFunction<Instant>> values = new LinkedHashMap<>();
        for (Map.Entry<String, EventHistory> e :
                properties.subMap(prefix, prefix + '\uffff').entrySet()) {
            values.put(e.getKey().substring(prefix.length()), e.getValue()::countUntil);
        }
        return values;
    }

    /** The {@code Activity} fact of one of the user's event histories, as seen at {@code now}. */
    public io.milepost.facts.Activity activityFact(EventHistory h, Instant now) {
        Instant signup = signedUpAt == null ? now : signedUpAt;
        return new io.milepost.facts.Activity(
                h.event(),
                h.total(),
                h.firstAt(),
                h.lastAt(),
                h.countsView(),
                h::countUntil,
                signup,
                now,
                property -> byValue(h.event(), property));
    }

    public Map<String, Reached> milestones() {
        return milestones;
    }

    public Map<String, Instant> stalls() {
        return stalls;
    }

    public Map<String, ActionHistory> actions() {
        return actions;
    }

    /**
     * For a replay, which rebuilds the user from their events: milestones and stalls already on
     * record join the state only when the evaluations reach their times, and a rule cannot reach a
     * recorded milestone before the time its record gives. Live evaluations never hold any back.
     */
    public void holdBackRecorded(Map<String, Reached> milestones, Map<String, Instant> stalls) {
        recordedMilestones.putAll(milestones);
        recordedStalls.putAll(stalls);
    }

    /**
     * Moves the held-back milestones and stalls dated at or before {@code now} into the state;
     * returns whether there were any.
     */
    boolean revealRecorded(Instant now) {
        boolean revealed = false;
        for (Iterator<Reached> it = recordedMilestones.values().iterator(); it.hasNext(); ) {
            Reached r = it.next();
            if (!r.at().isAfter(now)) {
                milestones.putIfAbsent(r.milestone(), r);
                it.remove();
                revealed = true;
            }
        }
        for (Iterator<Map.Entry<String, Instant>> it = recordedStalls.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> s = it.next();
            if (!s.getValue().isAfter(now)) {
                stalls.putIfAbsent(s.getKey(), s.getValue());
                it.remove();
                revealed = true;
            }
        }
        return revealed;
    }

    /** A recorded milestone still held back (reached later in the timeline than now), or null. */
    Reached heldBack(String milestone) {
        return recordedMilestones.get(milestone);
    }

    /** True while a recorded milestone is held back: it counts as reached later, never earlier. */
    boolean reachedLater(String milestone) {
        return recordedMilestones.containsKey(milestone);
    }

    /** True while a recorded stall is held back: it is on record already, and joins the state at its time. */
    boolean stalledLater(String milestone) {
        return recordedStalls.containsKey(milestone);
    }
}
