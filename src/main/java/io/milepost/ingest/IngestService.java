package io.milepost.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.common.ApiException;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleSet;
import io.milepost.engine.Windows;
import io.milepost.store.OutcomeRecorder;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
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
 * Stores and evaluates a request's events in one transaction: lock the users' rows, drop known
 * messageIds, append the events, apply them to each user's state in event-time order with the
 * rules, record the outcomes. Committed means durable and evaluated.
 */
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);
    private static final int ATTEMPTS = 5;

    private final RowWriter rows;
    private final UserStateStore store;
    private final OutcomeRecorder recorder;
    private final RuleSet rules;
    private final JourneyEngine engine;
    private final Clock clock;
    private final Counter ingested;
    private final Counter duplicates;

    public IngestService(RowWriter rows, UserStateStore store, OutcomeRecorder recorder, RuleSet rules,
                         MilepostConfig config, Clock clock, MeterRegistry metrics) {
        this.rows = rows;
        this.store = store;
        this.recorder = recorder;
        this.rules = rules;
        this.engine = new JourneyEngine(config.rules());
        this.clock = clock;
        this.ingested = metrics.counter("milepost.events.ingested");
        this.duplicates = metrics.counter("milepost.events.duplicates");
    }

    public Ack ingest(MessageParser.Parsed parsed) {
        if (parsed.messages().isEmpty()) {
            return new Ack(0, 0, parsed.ignored());
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Ack ack = QuarkusTransaction.requiringNew().call(() -> apply(parsed.messages(), parsed.ignored()));
                ingested.increment(ack.accepted());
                duplicates.increment(ack.duplicates());
                return ack;
            } catch (RuntimeException e) {
                if (!isConflict(e)) {
                    throw e;
                }
                if (attempt >= ATTEMPTS) {
                    // the conflict's message names the key, often a user id: DEBUG only
                    LOG.warnf("ingest gave up after %d conflicting attempts (%s)", attempt, e.getClass().getName());
                    LOG.debugf("ingest gave up: %s", e.getMessage());
                    throw new ApiException(503, "busy", "too many concurrent writes for the same users; nothing was "
                            + "stored, send the request again", List.of());
                }
                // Another request created the same user or stored the same messageId first:
                // run again, and this time see its rows.
                LOG.debugf("ingest conflict (attempt %d), retrying: %s", attempt, e.getMessage());
                sleepQuietly(ThreadLocalRandom.current().nextInt(5, 20 * attempt));
            }
        }
    }

    private Ack apply(List<IncomingMessage> messages, int ignored) {
        Instant now = clock.instant();
        RuleBook book = rules.current();
        Map<String, List<IncomingMessage>> byUser = new LinkedHashMap<>();
        for (IncomingMessage m : messages) {
            byUser.computeIfAbsent(m.userId(), k -> new ArrayList<>()).add(m);
        }
        Map<String, UserStateStore.Loaded> users = store.lockAndLoad(byUser.keySet());
        Set<String> known = store.storedMessageIds(messages.stream().map(IncomingMessage::messageId).distinct().toList());
        Set<String> seen = new HashSet<>();
        // sorted: users are created and written in id order, so concurrent requests never wait on each other in a cycle
        Map<String, List<IncomingMessage>> fresh = new TreeMap<>();
        int repeated = 0;
        for (Map.Entry<String, List<IncomingMessage>> entry : byUser.entrySet()) {
            for (IncomingMessage m : entry.getValue()) {
                if (known.contains(m.messageId()) || !seen.add(m.messageId())) {
                    repeated++;
                } else {
                    fresh.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(m);
                }
            }
        }
        store.create(users, fresh.keySet(), now);
        int accepted = 0;
        for (Map.Entry<String, List<IncomingMessage>> entry : fresh.entrySet()) {
            UserStateStore.Loaded loaded = users.get(entry.getKey());
            boolean isNew = !loaded.state().stored();
            List<JourneyEngine.Input> inputs = new ArrayList<>();
            for (IncomingMessage m : entry.getValue()) {
                accepted++;
                rows.event(m.messageId(), m.userId(), m.type().wire(), m.event(), m.dataJson(), m.timestamp(), now);
                inputs.add(m.type() == IncomingMessage.Type.TRACK
                        ? JourneyEngine.Input.track(m.messageId(), m.event(), m.data(), m.timestamp())
                        : JourneyEngine.Input.identify(m.messageId(), m.data(), m.timestamp()));
            }
            Outcomes outcomes = engine.apply(book, loaded.state(), inputs);
            String previousStage = isNew ? null : loaded.stage();
            String stage = recorder.record(book, loaded.state(), previousStage, outcomes, now);
            store.saveUser(loaded, stage, Windows.nextCheck(book, loaded.state(), now), now);
        }
        rows.flush();
        return new Ack(accepted, repeated, ignored);
    }

    /** Unique-key violations, deadlocks, serialization failures and lock timeouts are worth another try. */
    static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.equals("23505") || state.startsWith("40") || state.equals("HYT00") || state.equals("55P03")) {
                    return true;
                }
            }
            if (t instanceof jakarta.persistence.PessimisticLockException || t instanceof jakarta.persistence.LockTimeoutException
                    || t instanceof org.hibernate.exception.LockAcquisitionException) {
                return true;
            }
        }
        return false;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
