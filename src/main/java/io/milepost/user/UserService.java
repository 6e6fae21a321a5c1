package io.milepost.user;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.ApiException;
import io.milepost.common.Json;
import io.milepost.identity.Aliases;
import io.milepost.store.AccountStore;
import io.milepost.store.RowWriter;
import io.milepost.store.UserRecords;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads and erases users. */
@ApplicationScoped
public class UserService {
    static final int MAX_LIMIT = 1000;
    static final java.util.Map<String, String> SUPPRESSED = java.util.Map.of(
            "silent_replay", "suppressed: recorded by a replay without fireActions, not sent",
            "stale",
                    "suppressed: what triggered it was older than milepost.actions.max-age when it was recorded, not sent",
            "stall_resolved",
                    "suppressed: it answered a stall the user had already left by reaching the milestone, not sent");
    static final String HELD_OUT = "held out: in the control group of the rule's @holdout, not sent";

    private final UserRecords records;
    private final ObjectMapper mapper;
    private final RowWriter rows;
    private final Aliases aliases;
    private final AccountStore accounts;

    public UserService(
            UserRecords records, ObjectMapper mapper, RowWriter rows, Aliases aliases, AccountStore accounts) {
        this.records = records;
        this.mapper = mapper;
        this.rows = rows;
        this.aliases = aliases;
        this.accounts = accounts;
    }

    /**
     * A user's state as of one moment. The user's row is read under a share lock: whoever records
     * for the user (ingestion, the stall sweep, a replay) holds that row's write lock until it
     * commits, so the reads that follow see all of its records or none, never a stall without the
     * action it fired. An id merged into another user answers with that user.
     */
    @Transactional
    public Optional<UserView> find(String requested) {
        String id = aliases.resolve(requested);
        UserRecords.UserRow u = records.read(id).orElse(null);
        if (u == null) {
            return Optional.empty();
        }
        List<UserView.MilestoneItem> milestones = records.milestones(id).stream()
                .map(m -> new UserView.MilestoneItem(m.milestone(), m.reachedAt(), m.rule()))
                .toList();
        List<UserView.StallItem> stalls = records.stalls(id).stream()
                .map(st -> new UserView.StallItem(st.milestone(), st.since()))
                .toList();
        Map<String, UserView.ActivityItem> activity = new LinkedHashMap<>();
        u.activity().forEach((event, h) -> {
            if (!io.milepost.engine.UserState.isPropertyKey(event)) {
                activity.put(event, new UserView.ActivityItem(h.total(), h.firstAt(), h.lastAt()));
            }
        });
        List<UserView.ActionItem> actions = records.actions(id).stream()
                .map(a -> new UserView.ActionItem(
                        a.action(),
                        a.triggeredAt(),
                        a.occurrence(),
                        a.rule(),
                        a.suppressed(),
                        a.suppressed() ? reason(a) : null,
                        a.heldOut()))
                .toList();
        List<UserView.AccountItem> memberOf = accounts.of(id).entrySet().stream()
                .map(a -> new UserView.AccountItem(a.getKey(), a.getValue()))
                .toList();
        return Optional.of(new UserView(
                u.id(),
                u.signedUpAt(),
                Json.readMap(mapper, u.traits()),
                u.stage(),
                milestones,
                stalls,
                activity,
                actions,
                u.lastEventAt(),
                u.nextCheckAt(),
                u.identified(),
                aliases.of(id),
                memberOf));
    }

    /**
     * The user's events, milestones, stalls, actions and rule failures, oldest first, a page at a
     * time. An id merged into another user answers with that user's timeline.
     */
    @Transactional
    public Optional<TimelineItem.Page> timeline(String requested, int limit, String cursor) {
        requireLimit(limit);
        String id = aliases.resolve(requested);
        if (records.read(id).isEmpty()) { // one moment, as in find
            return Optional.empty();
        }
        UserRecords.After after = cursor == null
                ? new UserRecords.After(Instant.EPOCH, -1, -1)
                : Key.parse(decode(cursor)).after();
        List<Entry> entries = new ArrayList<>();
        records.events(id, after, 0, limit + 1)
                .forEach(e -> entries.add(new Entry(
                        new Key(e.occurredAt(), 0, e.id()),
                        new TimelineItem(
                                e.occurredAt(),
                                e.type(),
                                e.name(),
                                Json.readMap(mapper, e.payload()),
                                null,
                                null,
                                e.messageId()))));
        records.milestones(id, after, 1, limit + 1)
                .forEach(m -> entries.add(new Entry(
                        new Key(m.reachedAt(), 1, m.id()),
                        new TimelineItem(m.reachedAt(), "milestone", m.milestone(), null, m.rule(), null, null))));
        records.stalls(id, after, 2, limit + 1)
                .forEach(st -> entries.add(new Entry(
                        new Key(st.since(), 2, st.id()),
                        new TimelineItem(st.since(), "stalled", st.milestone(), null, null, null, null))));
        records.actions(id, after, 3, limit + 1)
                .forEach(a -> entries.add(new Entry(
                        new Key(a.triggeredAt(), 3, a.id()),
                        new TimelineItem(
                                a.triggeredAt(),
                                "action",
                                a.action(),
                                Json.readMap(mapper, a.payload()),
                                a.rule(),
                                a.suppressed() ? SUPPRESSED.get(reason(a)) : a.heldOut() ? HELD_OUT : null,
                                null))));
        records.failures(id, after, 4, limit + 1)
                .forEach(f -> entries.add(new Entry(
                        new Key(f.occurredAt(), 4, f.id()),
                        new TimelineItem(f.occurredAt(), "rule_failure", null, null, f.rule(), f.message(), null))));
        entries.sort(Comparator.comparing(Entry::key));
        boolean more = entries.size() > limit;
        List<Entry> shown = entries.subList(0, Math.min(limit, entries.size()));
        return Optional.of(new TimelineItem.Page(
                shown.stream().map(Entry::item).toList(),
                more ? encode(shown.get(shown.size() - 1).key().toString()) : null));
    }

    /**
     * Erases every record of the user: events, activity, milestones, stalls, actions, failures,
     * pending messages, account memberships, and the ids merged into them (whose records are the
     * user's since the merge). An id merged into another user erases that user.
     */
    @Transactional
    public boolean erase(String requested) {
        String id = aliases.resolve(requested);
        UserRecords.UserRow u = records.lock(id).orElse(null);
        if (u == null) {
            return false;
        }
        records.erase(id);
        rows.kpiDay(u.signedUpAt());
        rows.flush();
        return true;
    }

    /** Why a suppressed action was not sent (rows from before reasons were kept were silent replays). */
    private static String reason(UserRecords.ActionRow a) {
        return a.suppressedReason() == null ? "silent_replay" : a.suppressedReason();
    }

    private static void requireLimit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ApiException(400, "invalid_request", "limit must be between 1 and " + MAX_LIMIT);
        }
    }

    private record Entry(Key key, TimelineItem item) {}

    /** Position in the merged timeline: time, then source, then row id. */
    private record Key(Instant at, int rank, long id) implements Comparable<Key> {
        static Key parse(String s) {
            String[] parts = s.split("\\|");
            try {
                return new Key(Instant.parse(parts[0]), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
            } catch (RuntimeException e) {
                throw ApiException.badRequest("cursor is not one this API gave out");
            }
        }

        UserRecords.After after() {
            return new UserRecords.After(at, rank, id);
        }

        @Override
        public String toString() {
            return at + "|" + rank + "|" + id;
        }

        @Override
        public int compareTo(Key o) {
            return Comparator.comparing(Key::at)
                    .thenComparingInt(Key::rank)
                    .thenComparingLong(Key::id)
                    .compare(this, o);
        }
    }

    private static String encode(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("cursor is not one this API gave out");
        }
    }
}
