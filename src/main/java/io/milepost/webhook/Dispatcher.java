package io.milepost.webhook;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.config.MilepostConfig;
import io.milepost.store.IdBlocks;
import io.milepost.webhook.DeliveryQueue.AttemptRow;
import io.milepost.webhook.DeliveryQueue.Claim;
import io.milepost.webhook.DeliveryQueue.EndpointRoom;
import io.milepost.webhook.DeliveryQueue.EndpointState;
import io.milepost.webhook.DeliveryQueue.NewDelivery;
import io.milepost.webhook.DeliveryQueue.OutboxMessage;
import io.milepost.webhook.DeliveryQueue.OutcomeRow;
import io.milepost.webhook.DeliveryQueue.StatRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Moves outbox messages to webhook endpoints in three steps, all in one short transaction per
 * cycle, under row locks taken with {@code FOR UPDATE SKIP LOCKED}, so several instances on one
 * database share the work and never send the same attempt twice:
 * <ol>
 * <li><b>record</b> what the finished attempts came to ({@link Outcome}), each only if its delivery
 * is still the one claimed; count them per endpoint; disable endpoints that answered 410 or have
 * failed every attempt for {@code milepost.webhooks.disable-after};</li>
 * <li><b>claim</b> due deliveries endpoint by endpoint, each endpoint up to its own room (its window
 * is {@value #WINDOW_PER_SLOT} x {@code endpoint-concurrency}), starting with a different endpoint
 * each cycle, so a slow or hanging endpoint fills only its own window. A claim counts the attempt
 * and moves the due time to a lease ((window per slot + 1) x timeout + {@value #LEASE_MARGIN_SECONDS}
 * s): if this instance dies, the lease runs out and another retries with the same {@code webhook-id};</li>
 * <li><b>fan out</b> fresh outbox messages: one delivery per matching, enabled endpoint, the first
 * ones each endpoint has room for written already claimed, so fresh messages skip the claim.</li>
 * </ol>
 * The SQL is in {@link DeliveryQueue}; the background {@link DeliveryLoop} calls {@link #cycle};
 * tests call {@link #runOnce()}. Every time comes from the injected clock.
 */
@ApplicationScoped
public class Dispatcher {
    static final int FANOUT_BATCH = 500;
    static final long LEASE_MARGIN_SECONDS = 30;
    /**
     * Claimed deliveries per in-flight slot. A cycle moves at most an endpoint's window, and each
     * cycle costs one commit (a file write on H2): a wide window keeps cycles few and large while
     * the endpoint's attempts run; the lease grows with it.
     */
    static final int WINDOW_PER_SLOT = 8;

    static final String DELIVERED = "delivered";
    static final String RETRYING = "retrying";
    static final String FAILED = "failed";

    private final EntityManager em;
    private final DeliveryQueue queue;
    private final WebhookSender sender;
    private final EndpointSwitch endpointSwitch;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final RetryPolicy retries;
    private final Duration lease;
    private final Duration disableAfter;
    private final int concurrency;
    private final int endpointConcurrency;
    private final IdBlocks deliveryIds = new IdBlocks("delivery_seq", 500);
    private final AttemptCounts attemptCounts = new AttemptCounts();
    /** Which endpoint claims first: moves on every cycle, so no endpoint always comes last. */
    private final AtomicInteger turn = new AtomicInteger();

    public Dispatcher(
            EntityManager em,
            DeliveryQueue queue,
            WebhookSender sender,
            EndpointSwitch endpointSwitch,
            DeliveryMetrics metrics,
            Clock clock,
            MilepostConfig config,
            MeterRegistry registry) {
        this.em = em;
        this.queue = queue;
        this.sender = sender;
        this.endpointSwitch = endpointSwitch;
        this.metrics = metrics;
        this.clock = clock;
        this.retries = RetryPolicy.parse(config.webhooks().retrySchedule());
        this.concurrency = Math.max(1, config.webhooks().concurrency());
        this.endpointConcurrency =
                Math.max(1, Math.min(concurrency, config.webhooks().endpointConcurrency()));
        // a claimed delivery may wait behind the rest of its endpoint's window before its own attempt
        this.lease =
                config.webhooks().timeout().multipliedBy(WINDOW_PER_SLOT + 1L).plusSeconds(LEASE_MARGIN_SECONDS);
        this.disableAfter = config.webhooks().disableAfter();
        Gauge.builder("milepost.webhook.queue.depth", this, Dispatcher::queueDepth)
                .description("deliveries waiting for an attempt or in flight (of enabled endpoints), and outbox "
                        + "messages not yet fanned out")
                .register(registry);
    }

    /** Attempts in flight at once, per instance. */
    int concurrency() {
        return concurrency;
    }

    /** Attempts in flight at once to one endpoint, per instance. */
    int endpointConcurrency() {
        return endpointConcurrency;
    }

    /** Deliveries one endpoint may have claimed at once (queued, in flight or finished and not recorded). */
    public int endpointWindow() {
        return WINDOW_PER_SLOT * endpointConcurrency;
    }

    /** Deliveries the instance may have claimed at once. */
    int window() {
        return WINDOW_PER_SLOT * concurrency;
    }

    /** The clock's time as the databases keep it. */
    public Instant now() {
        return stored(clock.instant());
    }

    /**
     * Times as the databases keep them (microseconds): a due time written from a nanosecond clock
     * would otherwise be rounded up past the {@code now} that wrote it.
     */
    static Instant stored(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    double queueDepth() {
        return QuarkusTransaction.requiringNew().call(() -> (double) Jdbc.call(em, queue::depth));
    }

    /** Fans out every undispatched message and makes every attempt due now; returns the attempts made. */
    public int runOnce() {
        while (fanOut() == FANOUT_BATCH) {
            // next batch
        }
        return deliverDue();
    }

    /** Writes one delivery per matching endpoint for up to {@value #FANOUT_BATCH} undispatched messages. */
    public int fanOut() {
        Instant now = now();
        return QuarkusTransaction.requiringNew()
                .call(() -> Jdbc.call(em, c -> {
                    queue.begin(c);
                    return fanOutIn(c, now, new HashMap<>(), FANOUT_BATCH, queue.endpoints(c))
                            .messages();
                }));
    }

    /** Makes every attempt due now, endpoint by endpoint up to their caps, waiting for each batch; returns how many. */
    public int deliverDue() {
        Instant now = now();
        int total = 0;
        while (true) {
            List<WebhookSender.Attempt> batch = QuarkusTransaction.requiringNew()
                    .call(() -> Jdbc.call(em, c -> {
                        queue.begin(c);
                        Map<String, Integer> rooms = new HashMap<>();
                        List<WebhookEndpoint> endpoints = queue.endpoints(c);
                        endpoints.forEach(e -> rooms.put(e.id, endpointConcurrency));
                        return claimIn(c, now, rooms, concurrency, endpoints);
                    }));
            if (batch.isEmpty()) {
                return total;
            }
            List<WebhookSender.Result> results =
                    batch.stream().map(sender::send).map(s -> s.toCompletableFuture()).toList().stream()
                            .map(f -> f.join())
                            .toList();
            record(results);
            total += batch.size();
        }
    }

    /** What a cycle did: the attempts it claimed, whether the outbox may hold more, and the endpoints enabled now. */
    public record Cycle(List<WebhookSender.Attempt> claimed, boolean outboxFull, Set<String> enabledEndpoints) {}

    /**
     * One transaction of the background loop: records what finished, claims due deliveries as far as
     * each endpoint's window ({@code outstanding} holds what each still has claimed) and the
     * instance's {@code room} allow, and (when the outbox has news) fans out fresh messages, claiming
     * their first attempts where there is still room.
     */
    public Cycle cycle(List<WebhookSender.Result> done, Map<String, Integer> outstanding, int room, boolean fanOut) {
        Instant now = now();
        List<StatRow> earlier = attemptCounts.due(now, false);
        Done did = QuarkusTransaction.requiringNew()
                .call(() -> Jdbc.call(em, c -> {
                    queue.begin(c);
                    List<WebhookEndpoint> endpoints = queue.endpoints(c);
                    Recorded recorded = recordIn(c, done, now, endpoints, earlier, false);
                    Map<String, Integer> rooms = new LinkedHashMap<>();
                    for (WebhookEndpoint e : endpoints) {
                        rooms.put(e.id, Math.max(0, endpointWindow() - outstanding.getOrDefault(e.id, 0)));
                    }
                    List<WebhookSender.Attempt> claimed =
                            new ArrayList<>(room > 0 ? claimIn(c, now, rooms, room, endpoints) : List.of());
                    int left = Math.max(0, room - claimed.size());
                    boolean full = false;
                    if (fanOut) {
                        rooms.replaceAll((id, r) -> Math.min(r, left));
                        // As many messages as the roomiest endpoint can claim at once: more would be written
                        // due, and every later cycle would claim those first and write its own fresh ones due
                        // again, so each message would pay a claim. With no room left, one message is still
                        // fanned out (as due deliveries), so a full window never holds the outbox back.
                        int roomiest = rooms.values().stream()
                                .mapToInt(Integer::intValue)
                                .max()
                                .orElse(0);
                        int batch = Math.min(FANOUT_BATCH, Math.max(roomiest, 1));
                        FanOut fanned = fanOutIn(c, now, rooms, batch, endpoints);
                        claimed.addAll(fanned.claimed());
                        full = fanned.messages() == batch;
                    }
                    Set<String> enabled = endpoints.stream()
                            .filter(e -> e.enabled)
                            .map(e -> e.id)
                            .collect(Collectors.toSet());
                    return new Done(new Cycle(claimed, full, enabled), recorded);
                }));
        attemptCounts.written(earlier, now);
        attemptCounts.add(did.recorded().counts());
        count(did.recorded().outcomes());
        return did.cycle();
    }

    /** A cycle's transaction's answer: the cycle, and what it recorded (counted once it committed). */
    private record Done(Cycle cycle, Recorded recorded) {}

    /** Records what the attempts came to, skipping deliveries that were deleted or claimed again since. */
    void record(List<WebhookSender.Result> results) {
        if (results.isEmpty()) {
            return;
        }
        Instant now = now();
        List<StatRow> earlier = attemptCounts.due(now, true);
        Recorded recorded = QuarkusTransaction.requiringNew()
                .call(() -> Jdbc.call(em, c -> {
                    queue.begin(c);
                    return recordIn(c, results, now, queue.endpoints(c), earlier, true);
                }));
        attemptCounts.written(earlier, now);
        count(recorded.outcomes());
    }

    /** Whether attempt statistics wait to be written (a cycle within {@link AttemptCounts#EVERY} writes them). */
    boolean countsWaiting() {
        return !attemptCounts.isEmpty();
    }

    /** Hands claimed but unstarted attempts back, so any instance can make them at once. */
    void release(List<Long> deliveryIds) {
        if (deliveryIds.isEmpty()) {
            return;
        }
        Instant now = now();
        QuarkusTransaction.requiringNew()
                .run(() -> Jdbc.call(em, c -> {
                    queue.release(c, deliveryIds, now);
                    return null;
                }));
    }

    /** The earliest time a delivery of an enabled endpoint is due (a retry, or a lease that runs out), or null. */
    Instant nextDue() {
        return QuarkusTransaction.requiringNew().call(() -> Jdbc.call(em, queue::nextDue));
    }

    /** Removes attempt statistics older than a day (the health view looks back a day). */
    void purgeStatistics() {
        Instant before = now().minus(Duration.ofDays(1)).minus(Duration.ofMinutes(1));
        QuarkusTransaction.requiringNew()
                .run(() -> Jdbc.call(em, c -> {
                    queue.purgeStats(c, before);
                    return null;
                }));
    }

    /** What a fan-out did: messages dispatched, and the new deliveries it claimed for their first attempt. */
    private record FanOut(int messages, List<WebhookSender.Attempt> claimed) {}

    /**
     * Fans out up to {@code batch} messages. Deliveries to an endpoint with room left in
     * {@code rooms} are written already claimed for their first attempt (and use up that room);
     * the rest are written due now.
     */
    private FanOut fanOutIn(Connection c, Instant now, Map<String, Integer> rooms, int batch, List<WebhookEndpoint> all)
            throws SQLException {
        boolean anyRoom = rooms.values().stream().anyMatch(r -> r > 0);
        List<OutboxMessage> messages = queue.takeMessages(c, batch, anyRoom);
        if (messages.isEmpty()) {
            return new FanOut(0, List.of());
        }
        List<WebhookEndpoint> endpoints = all.stream().filter(e -> e.enabled).toList();
        List<WebhookEndpoint.Filter> filters =
                endpoints.stream().map(WebhookEndpoint::filter).toList();
        List<NewDelivery> fresh = new ArrayList<>();
        List<WebhookSender.Attempt> claimed = new ArrayList<>();
        Instant signedAt = clock.instant();
        int attempts = retries.attempts();
        for (OutboxMessage m : messages) {
            for (int e = 0; e < endpoints.size(); e++) {
                WebhookEndpoint endpoint = endpoints.get(e);
                if (!filters.get(e).accepts(m.type(), m.subject())) {
                    continue;
                }
                long id = deliveryIds.next(c);
                int room = rooms.getOrDefault(endpoint.id, 0);
                boolean claimIt = room > 0;
                fresh.add(new NewDelivery(
                        id, m.id(), endpoint.id, m.webhookId(), m.type(), m.userId(), m.subject(), claimIt));
                if (claimIt) {
                    rooms.put(endpoint.id, room - 1);
                    claimed.add(new WebhookSender.Attempt(
                            id,
                            1,
                            attempts,
                            endpoint.id,
                            m.webhookId(),
                            endpoint.url,
                            endpoint.signingSecrets(signedAt),
                            m.body().getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        if (!fresh.isEmpty()) {
            queue.insert(c, fresh, attempts, now, now.plus(lease));
        }
        queue.markDispatched(c, messages.stream().map(OutboxMessage::id).toList(), now);
        return new FanOut(messages.size(), claimed);
    }

    /**
     * Claims up to {@code total} due deliveries of enabled endpoints, each endpoint up to its room,
     * taking turns: the first endpoint asked moves on by one every call.
     */
    private List<WebhookSender.Attempt> claimIn(
            Connection c, Instant now, Map<String, Integer> rooms, int total, List<WebhookEndpoint> endpoints)
            throws SQLException {
        List<WebhookEndpoint> enabled = endpoints.stream()
                .filter(e -> e.enabled && rooms.getOrDefault(e.id, 0) > 0)
                .toList();
        if (enabled.isEmpty() || total <= 0) {
            return List.of();
        }
        int first = Math.floorMod(turn.getAndIncrement(), enabled.size());
        List<String> order = new ArrayList<>(enabled.size());
        for (int i = 0; i < enabled.size(); i++) {
            order.add(enabled.get((first + i) % enabled.size()).id);
        }
        // an equal share each first, then what the others left to whoever still has room, in turn
        int share = Math.max(1, (total + order.size() - 1) / order.size());
        Map<String, Integer> want = new LinkedHashMap<>();
        int asked = 0;
        for (String id : order) {
            int n = Math.min(Math.min(rooms.get(id), share), total - asked);
            want.put(id, n);
            asked += n;
        }
        for (String id : order) {
            int n = Math.min(rooms.get(id) - want.get(id), total - asked);
            if (n > 0) {
                want.merge(id, n, Integer::sum);
                asked += n;
            }
        }
        List<EndpointRoom> asks = want.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .map(e -> new EndpointRoom(e.getKey(), e.getValue()))
                .toList();
        List<Claim> due = queue.claim(c, asks, now, now.plus(lease));
        if (due.isEmpty()) {
            return List.of();
        }
        for (Claim d : due) {
            rooms.merge(d.endpointId(), -1, Integer::sum);
        }
        Map<Long, byte[]> bodies =
                queue.bodies(c, due.stream().map(Claim::messageId).distinct().toList());
        Map<String, WebhookEndpoint> byId = new HashMap<>();
        endpoints.forEach(e -> byId.put(e.id, e));
        Instant signedAt = clock.instant();
        List<WebhookSender.Attempt> attempts = new ArrayList<>(due.size());
        for (Claim d : due) {
            WebhookEndpoint endpoint = byId.get(d.endpointId());
            attempts.add(new WebhookSender.Attempt(
                    d.deliveryId(),
                    d.attempt(),
                    d.attemptsLeft(),
                    d.endpointId(),
                    d.webhookId(),
                    endpoint.url,
                    endpoint.signingSecrets(signedAt),
                    bodies.get(d.messageId())));
        }
        return attempts;
    }

    /** An attempt whose outcome was written (its delivery was still the one claimed). */
    private record RecordedOutcome(WebhookSender.Result result, Outcome outcome) {}

    /** What a transaction recorded, and the statistics of its attempts it did not write yet. */
    private record Recorded(List<RecordedOutcome> outcomes, List<StatRow> counts) {}

    /**
     * Records outcomes: the delivery rows, the attempt log (failures; a success lives on the
     * delivery's row), each endpoint's failure record and the per-minute statistics: the
     * {@code earlier} ones (of endpoints still there), and these attempts' own if
     * {@code writeCounts}, else they are answered, to be written later ({@link AttemptCounts}).
     * Then disables endpoints that answered 410 or have failed for too long.
     */
    private Recorded recordIn(
            Connection c,
            List<WebhookSender.Result> results,
            Instant now,
            List<WebhookEndpoint> endpoints,
            List<StatRow> earlier,
            boolean writeCounts)
            throws SQLException {
        Set<String> present = endpoints.stream().map(e -> e.id).collect(Collectors.toSet());
        List<StatRow> stillThere =
                earlier.stream().filter(r -> present.contains(r.endpointId())).toList();
        if (results.isEmpty()) {
            queue.countAttempts(c, stillThere);
            return new Recorded(List.of(), List.of());
        }
        List<Outcome> outcomes = new ArrayList<>(results.size());
        List<OutcomeRow> rows = new ArrayList<>(results.size());
        for (WebhookSender.Result r : results) {
            Outcome o = Outcome.of(r, now, retries, ThreadLocalRandom.current().nextDouble());
            outcomes.add(o);
            rows.add(row(r, o, now));
        }
        Map<String, WebhookEndpoint> byId = new HashMap<>();
        endpoints.forEach(e -> byId.put(e.id, e));
        // Endpoint rows first (their statistics and failure record), then deliveries: the order in
        // which deleting an endpoint locks them, so the two wait for each other instead of deadlocking.
        // Every attempt made counts, also one whose delivery was claimed again since.
        List<RecordedOutcome> made = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            if (byId.containsKey(results.get(i).attempt().endpointId())) {
                made.add(new RecordedOutcome(results.get(i), outcomes.get(i)));
            }
        }
        List<StatRow> counts = statistics(made);
        queue.countAttempts(c, writeCounts ? AttemptCounts.merge(stillThere, counts) : stillThere);
        List<EndpointState> states = endpointStates(made, byId);
        queue.saveEndpointStates(c, states);
        Set<Long> written = queue.record(c, rows);
        List<RecordedOutcome> recorded = new ArrayList<>(written.size());
        List<AttemptRow> log = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            WebhookSender.Result r = results.get(i);
            if (!written.contains(r.attempt().deliveryId())) {
                continue; // deleted, or its lease ran out and another attempt took over
            }
            recorded.add(new RecordedOutcome(r, outcomes.get(i)));
            if (!r.delivered()) {
                log.add(new AttemptRow(
                        r.attempt().deliveryId(),
                        r.attempt().attempt(),
                        r.startedAt(),
                        r.statusCode(),
                        r.error(),
                        r.durationMs()));
            }
        }
        queue.logAttempts(c, log);
        queue.markKpiDays(
                c,
                recorded.stream()
                        .filter(r -> r.result().delivered())
                        .map(r -> r.result().attempt().deliveryId())
                        .toList());
        for (RecordedOutcome r : recorded) {
            WebhookEndpoint e = byId.get(r.result().attempt().endpointId());
            if (r.outcome() instanceof Outcome.Disable d && e != null) {
                endpointSwitch.disable(e, EndpointSwitch.Why.GONE, d.reason(), now);
            }
        }
        for (EndpointState s : states) {
            WebhookEndpoint e = byId.get(s.endpointId());
            if (e != null && e.enabled && Outcome.failedTooLong(s.failingSince(), now, disableAfter)) {
                e.failingSince = s.failingSince();
                endpointSwitch.disable(
                        e,
                        EndpointSwitch.Why.FAILING,
                        "every attempt has failed since " + s.failingSince() + " (milepost.webhooks.disable-after "
                                + disableAfter + ")",
                        now);
            }
        }
        return new Recorded(recorded, writeCounts ? List.of() : counts);
    }

    private static OutcomeRow row(WebhookSender.Result r, Outcome o, Instant now) {
        WebhookSender.Attempt a = r.attempt();
        int left = Math.max(0, a.attemptsLeft() - 1);
        String status = o instanceof Outcome.Delivered
                ? Delivery.DELIVERED
                : o instanceof Outcome.RetryAt ? Delivery.PENDING : Delivery.FAILED;
        Instant next = o instanceof Outcome.RetryAt retry ? stored(retry.at()) : null;
        return new OutcomeRow(
                a.deliveryId(),
                a.attempt(),
                status,
                left,
                next,
                r.statusCode(),
                r.error(),
                r.durationMs(),
                o instanceof Outcome.Delivered ? now : null);
    }

    /**
     * One statistics row per attempt (endpoint, minute, outcome, latency bucket); {@link AttemptCounts}
     * adds them up by key and sorts them.
     */
    private static List<StatRow> statistics(List<RecordedOutcome> recorded) {
        return recorded.stream()
                .map(r -> new StatRow(
                        r.result().attempt().endpointId(),
                        r.result().startedAt().truncatedTo(ChronoUnit.MINUTES),
                        r.outcome() instanceof Outcome.Delivered
                                ? DELIVERED
                                : r.outcome() instanceof Outcome.RetryAt ? RETRYING : FAILED,
                        Latency.bucket(r.result().durationMs()),
                        1))
                .toList();
    }

    /**
     * Each endpoint's failure record after these attempts, in the order they started: a success
     * clears {@code failingSince}, the first failure after one sets it. Only endpoints whose record
     * changes are returned.
     */
    private static List<EndpointState> endpointStates(
            List<RecordedOutcome> recorded, Map<String, WebhookEndpoint> byId) {
        Map<String, List<WebhookSender.Result>> byEndpoint = new LinkedHashMap<>();
        recorded.stream()
                .map(RecordedOutcome::result)
                .sorted(Comparator.comparing(WebhookSender.Result::startedAt))
                .forEach(r -> byEndpoint
                        .computeIfAbsent(r.attempt().endpointId(), k -> new ArrayList<>())
                        .add(r));
        List<EndpointState> states = new ArrayList<>();
        byEndpoint.forEach((id, attempts) -> {
            WebhookEndpoint e = byId.get(id);
            Instant failingSince = e == null ? null : e.failingSince;
            WebhookSender.Result lastError = null;
            for (WebhookSender.Result r : attempts) {
                if (r.delivered()) {
                    failingSince = null;
                } else {
                    failingSince = failingSince == null ? stored(r.startedAt()) : failingSince;
                    lastError = r;
                }
            }
            boolean changed = e == null || !Objects.equals(failingSince, e.failingSince);
            if (lastError != null) {
                states.add(new EndpointState(
                        id, failingSince, lastError.startedAt(), lastError.statusCode(), lastError.error()));
            } else if (changed) {
                states.add(new EndpointState(id, failingSince, null, null, null));
            }
        });
        return states;
    }

    private void count(List<RecordedOutcome> recorded) {
        recorded.forEach(r -> metrics.attempt(r.outcome(), r.result().durationMs()));
    }
}
