package io.milepost.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.common.ApiException;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.Windows;
import io.milepost.milestone.OutcomeRecorder;
import io.milepost.rules.RuleSet;
import io.milepost.store.AccountStore;
import io.milepost.store.Conflicts;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Stores and evaluates a request's calls in one transaction: resolve who each call is about, lock
 * the users' rows, drop known messageIds, merge the anonymous users the calls tie to identified ones
 * ({@link IdentityLinks}), append the events, apply them to each user's state in event-time order
 * with the rules, record the outcomes. Committed means durable and evaluated.
 */
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);
    private final EventNames eventNames;
    private static final int ATTEMPTS = 5;

    private final RowWriter rows;
    private final UserStateStore store;
    private final AccountStore accountStore;
    private final IdentityLinks links;
    private final OutcomeRecorder recorder;
    private final RuleSet rules;
    private final JourneyEngine engine;
    private final Clock clock;
    private final Counter ingested;
    private final Counter duplicates;

    public IngestService(
            RowWriter rows,
            UserStateStore store,
            AccountStore accountStore,
            IdentityLinks links,
            OutcomeRecorder recorder,
            RuleSet rules,
            MilepostConfig config,
            JourneyEngine engine,
            Clock clock,
            MeterRegistry metrics,
            EventNames eventNames) {
        this.eventNames = eventNames;
        this.rows = rows;
        this.store = store;
        this.accountStore = accountStore;
        this.links = links;
        this.recorder = recorder;
        this.rules = rules;
        this.engine = engine;
        this.clock = clock;
        this.ingested = metrics.counter("milepost.events.ingested");
        this.duplicates = metrics.counter("milepost.events.duplicates");
    }

    public Ack ingest(MessageParser.Parsed parsed) {
        if (parsed.messages().isEmpty()) {
            return new Ack(0, 0);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Ack ack = QuarkusTransaction.requiringNew().call(() -> apply(parsed.messages()));
                eventNames.seen(
                        parsed.messages().stream()
                                .map(IncomingMessage::event)
                                .filter(java.util.Objects::nonNull)
                                .distinct()
                                .toList(),
                        clock.instant());
                ingested.increment(ack.accepted());
                duplicates.increment(ack.duplicates());
                return ack;
            } catch (RuntimeException e) {
                if (!isConflict(e)) {
                    throw e;
                }
                if (attempt >= ATTEMPTS) {
                    // the conflict's message names the key, often a user id: DEBUG only
                    LOG.warnf(
                            "ingest gave up after %d conflicting attempts (%s)",
                            attempt, e.getClass().getName());
                    LOG.debugf("ingest gave up: %s", e.getMessage());
                    throw new ApiException(
                            503,
                            "busy",
                            "too many concurrent writes for the same users; nothing was "
                                    + "stored, send the request again",
                            List.of());
                }
                // Another request created the same user, stored the same messageId or merged one of
                // the ids first: run again, and this time see its rows.
                LOG.debugf("ingest conflict (attempt %d), retrying: %s", attempt, e.getMessage());
                sleepQuietly(ThreadLocalRandom.current().nextInt(5, 20 * attempt));
            }
        }
    }

    private Ack apply(List<IncomingMessage> messages) {
        Instant now = clock.instant();
        RuleBook book = rules.current();
        IdentityLinks.Resolved ids = links.resolve(messages);
        Map<String, UserStateStore.Loaded> users = store.lockAndLoad(ids.users(messages));
        Set<String> known = store.storedMessageIds(
                messages.stream().map(IncomingMessage::messageId).distinct().toList());
        Set<String> seen = new HashSet<>();
        List<IncomingMessage> fresh = new ArrayList<>();
        for (IncomingMessage m : messages) {
            if (!known.contains(m.messageId()) && seen.add(m.messageId())) {
                fresh.add(m);
            }
        }
        int repeated = messages.size() - fresh.size();
        if (fresh.isEmpty()) {
            return new Ack(0, repeated);
        }
        store.create(users, ids.users(fresh), ids.anonymous(fresh), now);
        ids.requireUnchanged();
        Map<String, String> merged = links.link(book, fresh, users, ids, now);
        // sorted: users are written in id order, so concurrent requests never wait on each other in a cycle
        Map<String, List<IncomingMessage>> byUser = new TreeMap<>();
        for (IncomingMessage m : fresh) {
            String user = ids.target(m);
            byUser.computeIfAbsent(merged.getOrDefault(user, user), k -> new ArrayList<>())
                    .add(m);
        }
        Accounts accounts = new Accounts(fresh, now);
        for (Map.Entry<String, List<IncomingMessage>> entry : byUser.entrySet()) {
            UserStateStore.Loaded loaded = users.get(entry.getKey());
            boolean isNew = !loaded.state().stored();
            Set<String> memberOf = new HashSet<>(loaded.state().accounts().keySet());
            List<JourneyEngine.Input> inputs = new ArrayList<>();
            for (IncomingMessage m : entry.getValue()) {
                rows.event(m.messageId(), entry.getKey(), m.type().wire(), m.event(), m.dataJson(), m.timestamp(), now);
                inputs.add(input(m, accounts).withFirstTouch(m.firstTouch()));
            }
            Outcomes outcomes = engine.apply(book, loaded.state(), inputs);
            accounts.joined(entry.getKey(), loaded.state().accounts().keySet(), memberOf);
            String previousStage = isNew ? null : loaded.stage();
            String stage = recorder.record(book, loaded.state(), previousStage, outcomes, now);
            store.saveUser(loaded, stage, Windows.nextCheck(book, loaded.state(), now), now);
        }
        accounts.save();
        rows.flush();
        return new Ack(fresh.size(), repeated);
    }

    private static JourneyEngine.Input input(IncomingMessage m, Accounts accounts) {
        return switch (m.type()) {
            case TRACK, PAGE, SCREEN -> JourneyEngine.Input.track(m.messageId(), m.event(), m.data(), m.timestamp());
            case IDENTIFY -> JourneyEngine.Input.identify(m.messageId(), m.data(), m.timestamp());
            // an alias changes nothing on the user but who they are (the merge); it still counts as a call
            case ALIAS -> JourneyEngine.Input.identify(m.messageId(), Map.of(), m.timestamp());
            case GROUP -> JourneyEngine.Input.group(m.messageId(), m.event(), accounts.traitsAfter(m), m.timestamp());
        };
    }

    /**
     * The accounts a request's group calls name, locked after its users: each account's traits after
     * each call (the calls laid over the stored traits in time order), and who joined which.
     */
    private final class Accounts {
        private final Map<String, Map<String, Object>> traits;
        private final Map<IncomingMessage, Map<String, Object>> after = new java.util.IdentityHashMap<>();
        private final Map<String, java.util.Collection<String>> joined = new TreeMap<>();
        private final Instant now;

        Accounts(List<IncomingMessage> calls, Instant now) {
            this.now = now;
            List<IncomingMessage> groups = calls.stream()
                    .filter(m -> m.type() == IncomingMessage.Type.GROUP)
                    .sorted(java.util.Comparator.comparing(IncomingMessage::timestamp))
                    .toList();
            this.traits = groups.isEmpty()
                    ? Map.of()
                    : accountStore.lockAndLoad(
                            groups.stream().map(IncomingMessage::event).toList(), now);
            for (IncomingMessage g : groups) {
                Map<String, Object> merged = new LinkedHashMap<>(traits.get(g.event()));
                merged.putAll(g.data());
                traits.put(g.event(), merged);
                after.put(g, merged);
            }
        }

        Map<String, Object> traitsAfter(IncomingMessage group) {
            return after.get(group);
        }

        void joined(String user, Set<String> memberOf, Set<String> before) {
            List<String> added =
                    memberOf.stream().filter(a -> !before.contains(a)).sorted().toList();
            if (!added.isEmpty()) {
                joined.put(user, added);
            }
        }

        void save() {
            accountStore.save(traits, joined, now);
        }
    }

    /** Unique-key violations, deadlocks, serialization failures, lock timeouts and moved ids are worth another try. */
    static boolean isConflict(Throwable e) {
        return Conflicts.isConflict(e);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
