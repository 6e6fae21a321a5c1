package io.milepost.webhook;

import static io.milepost.store.Sql.at;
import static io.milepost.store.Sql.column;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.milepost.action.OutboxSignal;
import io.milepost.config.MilepostConfig;
import io.milepost.store.IdBlocks;
import io.milepost.store.Sql;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Moves outbox messages to webhook endpoints in three steps, each under row locks taken with
 * {@code FOR UPDATE SKIP LOCKED} in a short transaction, so several instances on one database
 * share the work and never send the same attempt twice:
 * <ol>
 * <li><b>fan out</b>: claims undispatched outbox rows ({@code FOR UPDATE SKIP LOCKED}) and writes
 * one delivery per matching, enabled endpoint (the background loop writes the first ones it has room
 * for already claimed, so fresh messages skip the next step);</li>
 * <li><b>claim</b>: takes due deliveries ({@code FOR UPDATE SKIP LOCKED}), counts the attempt and
 * moves {@code next_attempt_at} to a lease ((window + 1) x timeout + {@value #LEASE_MARGIN_SECONDS} s)
 * so no one else takes them while the attempt waits or is in flight; if this instance dies, the
 * lease runs out and another instance retries with the same {@code webhook-id};</li>
 * <li><b>record</b>: writes each attempt's outcome (delivered, retry at, failed, endpoint gone),
 * only if the delivery is still the one this instance claimed.</li>
 * </ol>
 * The background loop runs the three in one transaction per cycle, woken when a transaction that
 * wrote outbox messages commits or an attempt finishes, and polling every
 * {@code milepost.webhooks.poll-interval} for other instances' messages and due retries. Tests
 * call {@link #runOnce(Instant)} instead, one step at a time.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    static final int FANOUT_BATCH = 500;
    static final long LEASE_MARGIN_SECONDS = 30;
    static final long RECORD_DELAY_MS = 20;
    static final int WINDOW_PER_SLOT = 4;

    private final EntityManager em;
    private final WebhookSender sender;
    private final OutboxSignal signal;
    private final Clock clock;
    private final RetryPolicy retries;
    private final Duration lease;
    private final Duration timeout;
    private final Duration pollInterval;
    private final int concurrency;
    private final boolean background;
    private final boolean postgres;
    private final Counter delivered;
    private final Counter retried;
    private final Counter failed;
    private final Timer attemptTime;

    private final IdBlocks deliveryIds = new IdBlocks("delivery_seq", 500);
    private DeliveryLoop loop;
    private Thread thread;

    public Dispatcher(EntityManager em, WebhookSender sender, OutboxSignal signal, Clock clock, MilepostConfig config,
                      MeterRegistry metrics,
                      @ConfigProperty(name = "quarkus.scheduler.enabled", defaultValue = "true") boolean background,
                      @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
        this.em = em;
        this.sender = sender;
        this.signal = signal;
        this.clock = clock;
        this.retries = RetryPolicy.parse(config.webhooks().retrySchedule());
        this.timeout = config.webhooks().timeout();
        // a claimed delivery may wait behind the rest of the window before its own attempt
        this.lease = config.webhooks().timeout().multipliedBy(WINDOW_PER_SLOT + 1L).plusSeconds(LEASE_MARGIN_SECONDS);
        this.pollInterval = config.webhooks().pollInterval();
        this.concurrency = Math.max(1, config.webhooks().concurrency());
        this.background = background;
        this.postgres = dbKind.toLowerCase().startsWith("postgres");
        this.delivered = Counter.builder("milepost.webhook.deliveries").tag("outcome", "delivered")
                .description("webhook attempts by outcome").register(metrics);
        this.retried = Counter.builder("milepost.webhook.deliveries").tag("outcome", "retried")
                .description("webhook attempts by outcome").register(metrics);
        this.failed = Counter.builder("milepost.webhook.deliveries").tag("outcome", "failed")
                .description("webhook attempts by outcome").register(metrics);
        Gauge.builder("milepost.webhook.queue.depth", this, Dispatcher::queueDepth)
                .description("deliveries waiting for an attempt, and outbox messages not yet fanned out")
                .register(metrics);
        this.attemptTime = Timer.builder("milepost.webhook.attempt").description("time of one webhook attempt")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    /**
     * Deliveries waiting for an attempt or in flight (not those of disabled endpoints, which wait
     * for no one) plus messages not yet fanned out; read on each metrics scrape, from indexes.
     */
    double queueDepth() {
        return QuarkusTransaction.requiringNew().call(() -> {
            // a range, not IS NOT NULL: H2 would walk the index's NULLs (every finished delivery)
            long pending = ((Number) em.createNativeQuery("SELECT count(*) FROM deliveries WHERE next_attempt_at >= ?1")
                    .setParameter(1, Instant.EPOCH).getSingleResult()).longValue();
            long undispatched = ((Number) em.createNativeQuery("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL")
                    .getSingleResult()).longValue();
            return (double) (pending + undispatched);
        });
    }

    void start(@Observes StartupEvent started) {
        if (!background) {
            return;
        }
        loop = new DeliveryLoop(this, sender, signal, clock, concurrency, pollInterval, timeout);
        thread = new Thread(loop, "milepost-webhooks");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        if (loop != null) {
            loop.stop();
            thread.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    /** Fans out every undispatched message and makes every attempt due at {@code now}; returns attempts made. */
    public int runOnce(Instant at) {
        Instant now = stored(at);
        while (fanOut(now) == FANOUT_BATCH) {
            // next batch
        }
        return deliverDue(now);
    }

    /** Makes every attempt due at {@code now}, waiting for each batch; returns how many were made. */
    public int deliverDue(Instant at) {
        Instant now = stored(at);
        int total = 0;
        while (true) {
            List<WebhookSender.Attempt> batch = claim(now, concurrency);
            List<WebhookSender.Result> results = new ArrayList<>(batch.size());
            batch.stream().map(sender::send).map(s -> s.toCompletableFuture()).toList()
                    .forEach(f -> results.add(f.join()));
            record(results, now);
            total += batch.size();
            if (batch.size() < concurrency) {
                return total;
            }
        }
    }

    /** Writes one delivery per matching endpoint for up to {@value #FANOUT_BATCH} undispatched messages. */
    public int fanOut(Instant at) {
        Instant now = stored(at);
        return QuarkusTransaction.requiringNew().call(() -> {
            queuePlans();
            return fanOutIn(now, 0, FANOUT_BATCH, endpoints());
        }).messages();
    }

    /** What a fan-out did: messages dispatched, and the new deliveries it claimed for their first attempt. */
    private record FanOut(int messages, List<WebhookSender.Attempt> claimed) {
    }

    /**
     * Fans out up to {@code batch} messages in the caller's transaction. Up to {@code claim} of the new deliveries are written
     * already claimed for their first attempt (as {@link #claim} would), so that the background loop
     * sends fresh messages without another round trip; the rest are written due now.
     */
    private FanOut fanOutIn(Instant now, int claim, int batch, Map<String, WebhookEndpoint> all) {
        // H2: no ORDER BY, with it H2 reads (and locks) every waiting row before it stops at the batch
        // size; its index on (dispatched_at, id) hands the rows out oldest first anyway.
        // PostgreSQL: ORDER BY id, so that (with queuePlans) it walks the pending index from the oldest
        // message and stops after the batch.
        List<Object[]> rows = new ArrayList<>();
        jdbc(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, type, subject, user_id, webhook_id"
                    + (claim > 0 ? ", body" : "") + " FROM outbox WHERE dispatched_at IS NULL "
                    + (postgres ? "ORDER BY id " : "") + "FETCH FIRST " + batch + " ROWS ONLY FOR UPDATE SKIP LOCKED");
                 ResultSet rs = ps.executeQuery()) {
                int columns = claim > 0 ? 6 : 5;
                while (rs.next()) {
                    Object[] row = new Object[columns];
                    row[0] = rs.getLong(1);
                    for (int i = 1; i < columns; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        });
        if (rows.isEmpty()) {
            return new FanOut(0, List.of());
        }
        List<WebhookEndpoint> endpoints = all.values().stream().filter(e -> e.enabled).toList();
        List<WebhookEndpoint.Filter> filters = endpoints.stream().map(WebhookEndpoint::filter).toList();
        List<Long> ids = new ArrayList<>(rows.size());
        List<WebhookSender.Attempt> claimed = new ArrayList<>();
        Instant signedAt = clock.instant();
        int attempts = retries.attempts();
        List<NewDelivery> fresh = new ArrayList<>();
        jdbc(c -> {
            for (Object[] row : rows) {
                long messageId = ((Number) row[0]).longValue();
                ids.add(messageId);
                String type = (String) row[1];
                String subject = (String) row[2];
                String webhookId = row[4] == null ? "msg_" + messageId : (String) row[4];
                for (int e = 0; e < endpoints.size(); e++) {
                    WebhookEndpoint endpoint = endpoints.get(e);
                    if (!filters.get(e).accepts(type, subject)) {
                        continue;
                    }
                    long id = deliveryIds.next(c);
                    // the first deliveries are written already claimed for their first attempt
                    boolean claimIt = claimed.size() < claim;
                    fresh.add(new NewDelivery(id, messageId, endpoint.id, webhookId, type, (String) row[3], subject, claimIt));
                    if (claimIt) {
                        claimed.add(new WebhookSender.Attempt(id, 1, attempts, endpoint.id, webhookId, endpoint.url,
                                endpoint.signingSecrets(signedAt), ((String) row[5]).getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            if (postgres) {
                insertSet(c, fresh, now, attempts);
            } else {
                insertBatch(c, fresh, now, attempts);
            }
        });
        jdbc(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET dispatched_at = ? WHERE id = ANY(?)")) {
                ps.setObject(1, at(now));
                ps.setArray(2, c.createArrayOf("BIGINT", ids.toArray()));
                ps.executeUpdate();
            }
        });
        return new FanOut(rows.size(), claimed);
    }

    /** A delivery the fan-out writes: claimed ones count their first attempt and hold the lease. */
    private record NewDelivery(long id, long messageId, String endpointId, String webhookId, String type, String userId,
                               String subject, boolean claimed) {
    }

    private static final String INSERT_DELIVERY = "INSERT INTO deliveries (id, message_id, endpoint_id, webhook_id, "
            + "type, user_id, subject, status, attempts, attempts_left, next_attempt_at, last_attempt_at, created_at) ";

    /** Writes new deliveries as one JDBC batch (H2). */
    private void insertBatch(Connection c, List<NewDelivery> fresh, Instant now, int attempts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_DELIVERY
                + "VALUES (?, ?, ?, ?, ?, ?, ?, '" + Delivery.PENDING + "', ?, ?, ?, ?, ?)")) {
            for (NewDelivery d : fresh) {
                ps.setLong(1, d.id());
                ps.setLong(2, d.messageId());
                ps.setString(3, d.endpointId());
                ps.setString(4, d.webhookId());
                ps.setString(5, d.type());
                ps.setString(6, d.userId());
                ps.setString(7, d.subject());
                ps.setInt(8, d.claimed() ? 1 : 0);
                ps.setInt(9, attempts);
                ps.setObject(10, at(d.claimed() ? now.plus(lease) : now));
                ps.setObject(11, d.claimed() ? at(now) : null);
                ps.setObject(12, at(now));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Writes new deliveries in one statement (PostgreSQL), their values as arrays: parsed and planned once. */
    private void insertSet(Connection c, List<NewDelivery> fresh, Instant now, int attempts) throws SQLException {
        int n = fresh.size();
        try (PreparedStatement ps = c.prepareStatement(INSERT_DELIVERY + "SELECT v.id, v.message_id, v.endpoint_id, "
                + "v.webhook_id, v.type, v.user_id, v.subject, '" + Delivery.PENDING + "', v.attempts, ?, "
                + "CASE WHEN v.attempts = 1 THEN ? ELSE ? END, CASE WHEN v.attempts = 1 THEN ? END, ? "
                + "FROM unnest(?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], "
                + "?::varchar[], ?::int[]) AS v(id, message_id, endpoint_id, webhook_id, type, user_id, subject, attempts)")) {
            ps.setInt(1, attempts);
            ps.setObject(2, at(now.plus(lease)));
            ps.setObject(3, at(now));
            ps.setObject(4, at(now));
            ps.setObject(5, at(now));
            ps.setArray(6, column(c, "bigint", n, i -> fresh.get(i).id()));
            ps.setArray(7, column(c, "bigint", n, i -> fresh.get(i).messageId()));
            ps.setArray(8, column(c, "varchar", n, i -> fresh.get(i).endpointId()));
            ps.setArray(9, column(c, "varchar", n, i -> fresh.get(i).webhookId()));
            ps.setArray(10, column(c, "varchar", n, i -> fresh.get(i).type()));
            ps.setArray(11, column(c, "varchar", n, i -> fresh.get(i).userId()));
            ps.setArray(12, column(c, "varchar", n, i -> fresh.get(i).subject()));
            ps.setArray(13, column(c, "int4", n, i -> fresh.get(i).claimed() ? 1 : 0));
            ps.executeUpdate();
        }
    }

    /**
     * Times as the databases keep them (microseconds): a due time written from a nanosecond clock
     * would otherwise be rounded up past the {@code now} that wrote it.
     */
    static Instant stored(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    /** Claims up to {@code limit} due deliveries for one attempt each, under a lease. */
    List<WebhookSender.Attempt> claim(Instant now, int limit) {
        return QuarkusTransaction.requiringNew().call(() -> {
            queuePlans();
            return claimIn(now, limit, endpoints());
        });
    }

    private List<WebhookSender.Attempt> claimIn(Instant now, int limit, Map<String, WebhookEndpoint> endpoints) {
        record Due(long id, int attempts, int attemptsLeft, String endpointId, String webhookId, long messageId) {
        }
        List<Due> due = new ArrayList<>(limit);
        jdbc(c -> {
            // No ORDER BY, as in the fan-out: the index on next_attempt_at gives the earliest first.
            // The lower bound keeps H2 from walking the index's NULLs (every finished delivery) first.
            // PostgreSQL: ordered, so that (with queuePlans) it walks the due index and stops after the limit.
            try (PreparedStatement ps = c.prepareStatement("SELECT id, attempts, attempts_left, endpoint_id, webhook_id, "
                    + "message_id FROM deliveries WHERE next_attempt_at >= ? AND next_attempt_at <= ? "
                    + (postgres ? "ORDER BY next_attempt_at " : "") + "FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED")) {
                ps.setObject(1, at(Instant.EPOCH));
                ps.setObject(2, at(now));
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Due(rs.getLong(1), rs.getInt(2) + 1, rs.getInt(3), rs.getString(4), rs.getString(5),
                                rs.getLong(6)));
                    }
                }
            }
            if (due.isEmpty()) {
                return;
            }
            // one statement for the whole claim: the rows are locked, so attempts + 1 is what was read plus one
            try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET attempts = attempts + 1, "
                    + "last_attempt_at = ?, next_attempt_at = ? WHERE id = ANY(?)")) {
                ps.setObject(1, at(now));
                ps.setObject(2, at(now.plus(lease)));
                ps.setArray(3, c.createArrayOf("BIGINT", due.stream().map(Due::id).toArray()));
                ps.executeUpdate();
            }
        });
        if (due.isEmpty()) {
            return List.of();
        }
        Map<Long, byte[]> bodies = bodies(due.stream().map(Due::messageId).toList());
        Instant signedAt = clock.instant();
        List<WebhookSender.Attempt> attempts = new ArrayList<>(due.size());
        for (Due d : due) {
            WebhookEndpoint endpoint = endpoints.get(d.endpointId());
            attempts.add(new WebhookSender.Attempt(d.id(), d.attempts(), d.attemptsLeft(), d.endpointId(), d.webhookId(),
                    endpoint.url, endpoint.signingSecrets(signedAt), bodies.get(d.messageId())));
        }
        return attempts;
    }

    /** Records what the attempts came to, skipping deliveries that were deleted or claimed again since. */
    void record(List<WebhookSender.Result> results, Instant now) {
        if (results.isEmpty()) {
            return;
        }
        int[] counts = QuarkusTransaction.requiringNew().call(() -> recordIn(results, now, endpoints()));
        count(results, counts);
    }

    private void count(List<WebhookSender.Result> results, int[] counts) {
        delivered.increment(counts[0]);
        retried.increment(counts[1]);
        failed.increment(counts[2]);
        results.forEach(r -> attemptTime.record(Duration.ofMillis(r.durationMs())));
    }

    /**
     * Records outcomes in the caller's transaction, each only if its delivery is still the one
     * claimed (same attempt number, still pending); answers how many were delivered, retried, failed.
     */
    private int[] recordIn(List<WebhookSender.Result> results, Instant now, Map<String, WebhookEndpoint> endpoints) {
        int[] counts = new int[3];
        if (results.isEmpty()) {
            return counts;
        }
        Set<String> gone = new HashSet<>();
        results.stream().filter(WebhookSender.Result::gone).forEach(r -> gone.add(r.attempt().endpointId()));
        int n = results.size();
        int[] outcome = new int[n];
        String[] status = new String[n];
        Instant[] next = new Instant[n];
        for (int i = 0; i < n; i++) {
            WebhookSender.Result r = results.get(i);
            WebhookSender.Attempt a = r.attempt();
            if (r.delivered()) {
                status[i] = Delivery.DELIVERED;
                outcome[i] = 0;
            } else if (r.gone() || a.attemptsLeft() - 1 <= 0) {
                status[i] = Delivery.FAILED;
                outcome[i] = 2;
            } else {
                status[i] = Delivery.PENDING;
                WebhookEndpoint endpoint = endpoints.get(a.endpointId());
                // a disabled endpoint's deliveries wait (no next attempt) until it is enabled again
                if (endpoint != null && endpoint.enabled && !gone.contains(a.endpointId())) {
                    next[i] = now.plus(retries.waitAfter(a.attempt(), r.retryAfter()));
                }
                outcome[i] = 1;
            }
        }
        jdbc(c -> {
            boolean[] updated = postgres ? recordSet(c, results, status, next, now) : recordBatch(c, results, status, next, now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO delivery_attempts (delivery_id, attempt, "
                    + "started_at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
                boolean any = false;
                for (int i = 0; i < n; i++) {
                    if (!updated[i]) {
                        continue; // deleted, or its lease ran out and another attempt took over
                    }
                    WebhookSender.Result r = results.get(i);
                    counts[outcome[i]]++;
                    if (r.delivered()) {
                        continue; // the delivery's own row keeps its last attempt: only failures are logged
                    }
                    ps.setLong(1, r.attempt().deliveryId());
                    ps.setInt(2, r.attempt().attempt());
                    ps.setObject(3, at(r.startedAt()));
                    ps.setObject(4, r.statusCode());
                    ps.setString(5, r.error());
                    ps.setInt(6, r.durationMs());
                    ps.addBatch();
                    any = true;
                }
                if (any) {
                    ps.executeBatch();
                }
            }
        });
        for (String endpointId : gone) {
            disableGone(endpoints.get(endpointId), "the endpoint answered 410 Gone", now);
        }
        return counts;
    }

    /** Records the outcomes as one JDBC batch, one statement per attempt (H2, in process: no round trips to save). */
    private static boolean[] recordBatch(Connection c, List<WebhookSender.Result> results, String[] status, Instant[] next,
                                         Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET status = ?, attempts_left = ?, "
                + "next_attempt_at = ?, last_status_code = ?, last_error = ?, last_duration_ms = ?, delivered_at = ? "
                + "WHERE id = ? AND attempts = ? AND status = '" + Delivery.PENDING + "'")) {
            for (int i = 0; i < results.size(); i++) {
                WebhookSender.Result r = results.get(i);
                WebhookSender.Attempt a = r.attempt();
                ps.setString(1, status[i]);
                ps.setInt(2, Math.max(0, a.attemptsLeft() - 1));
                ps.setObject(3, at(next[i]));
                ps.setObject(4, r.statusCode());
                ps.setString(5, r.error());
                ps.setInt(6, r.durationMs());
                ps.setObject(7, r.delivered() ? at(now) : null);
                ps.setLong(8, a.deliveryId());
                ps.setInt(9, a.attempt());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            boolean[] updated = new boolean[counts.length];
            for (int i = 0; i < counts.length; i++) {
                updated[i] = counts[i] != 0;
            }
            return updated;
        }
    }

    /**
     * Records the outcomes in one statement (PostgreSQL): the values travel as arrays and are joined
     * to the deliveries they belong to, so the server parses, plans and executes once per cycle
     * instead of once per attempt; {@code RETURNING} names the deliveries that were still claimed.
     */
    private static boolean[] recordSet(Connection c, List<WebhookSender.Result> results, String[] status, Instant[] next,
                                       Instant now) throws SQLException {
        int n = results.size();
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(results.get(i).attempt().deliveryId(), i);
        }
        boolean[] updated = new boolean[n];
        try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries d SET status = v.status, "
                + "attempts_left = v.attempts_left, next_attempt_at = v.next_attempt_at::timestamptz, "
                + "last_status_code = v.code, last_error = v.error, last_duration_ms = v.duration, "
                + "delivered_at = v.delivered_at::timestamptz "
                + "FROM unnest(?::bigint[], ?::int[], ?::varchar[], ?::int[], ?::text[], ?::int[], ?::varchar[], "
                + "?::int[], ?::text[]) AS v(id, attempt, status, attempts_left, next_attempt_at, code, error, duration, "
                + "delivered_at) WHERE d.id = v.id AND d.attempts = v.attempt "
                + "AND d.status = '" + Delivery.PENDING + "' RETURNING d.id")) {
            // times as ISO text, cast by the statement: one array type whatever the driver makes of instants
            ps.setArray(1, column(c, "bigint", n, i -> results.get(i).attempt().deliveryId()));
            ps.setArray(2, column(c, "int4", n, i -> results.get(i).attempt().attempt()));
            ps.setArray(3, column(c, "varchar", n, i -> status[i]));
            ps.setArray(4, column(c, "int4", n, i -> Math.max(0, results.get(i).attempt().attemptsLeft() - 1)));
            ps.setArray(5, column(c, "text", n, i -> next[i] == null ? null : next[i].toString()));
            ps.setArray(6, column(c, "int4", n, i -> results.get(i).statusCode()));
            ps.setArray(7, column(c, "varchar", n, i -> results.get(i).error()));
            ps.setArray(8, column(c, "int4", n, i -> results.get(i).durationMs()));
            ps.setArray(9, column(c, "text", n, i -> results.get(i).delivered() ? now.toString() : null));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    updated[index.get(rs.getLong(1))] = true;
                }
            }
        }
        return updated;
    }

    /** Turns off an endpoint read by {@link #endpoints()} (not managed), for the rest of the cycle too. */
    private void disableGone(WebhookEndpoint endpoint, String reason, Instant now) {
        if (endpoint == null || !endpoint.enabled) {
            return;
        }
        LOG.warnf("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason);
        endpoint.enabled = false;
        jdbc(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_endpoints SET enabled = FALSE, "
                    + "disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = TRUE")) {
                ps.setString(1, reason);
                ps.setObject(2, at(now));
                ps.setString(3, endpoint.id);
                ps.executeUpdate();
            }
        });
        holdDeliveries(endpoint.id);
    }

    /** Turns an endpoint off; its waiting deliveries keep their place until it is enabled again. */
    void disable(WebhookEndpoint endpoint, String reason, Instant now) {
        if (endpoint == null || !endpoint.enabled) {
            return;
        }
        LOG.warnf("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason);
        endpoint.enabled = false;
        endpoint.disabledReason = reason;
        endpoint.updatedAt = now;
        holdDeliveries(endpoint.id);
    }

    /** A disabled endpoint's pending deliveries wait, with no next attempt, until it is enabled again. */
    private void holdDeliveries(String endpointId) {
        em.createQuery("update Delivery d set d.nextAttemptAt = null where d.endpointId = :id and d.status = :pending")
                .setParameter("id", endpointId).setParameter("pending", Delivery.PENDING).executeUpdate();
    }

    /**
     * PostgreSQL: index scans only in this transaction ({@link Sql#indexScansOnly}); every statement
     * of the dispatcher reads a few rows through an index. Measured with stale statistics and 20,000
     * waiting messages: 3.4 ms per fan-out batch of 128 as a bitmap scan, 1.4 ms as an index scan;
     * the outcome update of 128 deliveries among 20,000, 15.7 ms as a scan and hash join, 1.9 ms by key.
     */
    private void queuePlans() {
        if (postgres) {
            jdbc(Sql::indexScansOnly);
        }
    }

    private void jdbc(org.hibernate.jdbc.Work work) {
        Sql.run(em, work);
    }

    /**
     * Every endpoint, by id, read once per transaction with plain JDBC (there are few): a fixed
     * query instead of a look-up per step. The objects are not managed: {@link #disableGone}
     * writes what the dispatcher changes on them.
     */
    private Map<String, WebhookEndpoint> endpoints() {
        Map<String, WebhookEndpoint> byId = new LinkedHashMap<>();
        jdbc(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, url, types, actions, secret, previous_secret, "
                    + "previous_secret_until, enabled FROM webhook_endpoints ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    WebhookEndpoint e = new WebhookEndpoint();
                    e.id = rs.getString(1);
                    e.url = rs.getString(2);
                    e.types = rs.getString(3);
                    e.actions = rs.getString(4);
                    e.secret = rs.getString(5);
                    e.previousSecret = rs.getString(6);
                    e.previousSecretUntil = Sql.instant(rs, 7);
                    e.enabled = rs.getBoolean(8);
                    byId.put(e.id, e);
                }
            }
        });
        return byId;
    }

    private Map<Long, byte[]> bodies(List<Long> messageIds) {
        Map<Long, byte[]> byId = new HashMap<>();
        jdbc(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, body FROM outbox WHERE id = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("BIGINT", messageIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byId.put(rs.getLong(1), rs.getString(2).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        });
        return byId;
    }

    /** What a cycle did: the attempts it claimed (due deliveries and fresh messages), and whether the outbox may hold more. */
    record Cycle(List<WebhookSender.Attempt> claimed, boolean outboxFull) {
    }

    /**
     * One transaction of the background loop: records what finished, claims due deliveries the
     * window has {@code room} for, and (when the outbox has news) fans out as many fresh messages
     * as there is still room for, claiming their first attempts on the way.
     */
    Cycle cycle(Instant now, List<WebhookSender.Result> done, int room, boolean fanOut) {
        int[][] counts = new int[1][];
        boolean[] full = new boolean[1];
        List<WebhookSender.Attempt> attempts = QuarkusTransaction.requiringNew().call(() -> {
            queuePlans();
            Map<String, WebhookEndpoint> endpoints = endpoints();
            counts[0] = recordIn(done, now, endpoints);
            List<WebhookSender.Attempt> claimed = new ArrayList<>(room > 0 ? claimIn(now, room, endpoints) : List.of());
            int left = room - claimed.size();
            if (fanOut) {
                // with no room left, a batch of messages is still fanned out as due deliveries, so a
                // full window never holds the outbox back
                int batch = Math.min(FANOUT_BATCH, Math.max(left, 1));
                FanOut fanned = fanOutIn(now, left, batch, endpoints);
                claimed.addAll(fanned.claimed());
                full[0] = fanned.messages() == batch;
            }
            return claimed;
        });
        count(done, counts[0]);
        return new Cycle(attempts, full[0]);
    }

    /** The earliest time a delivery is due (a retry, or a lease that runs out), or null. */
    Instant nextDue() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant[] next = new Instant[1];
            jdbc(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT MIN(next_attempt_at) FROM deliveries WHERE next_attempt_at >= ?")) {
                    ps.setObject(1, at(Instant.EPOCH));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        next[0] = Sql.instant(rs, 1);
                    }
                }
            });
            return next[0];
        });
    }

    /** Hands claimed but unstarted attempts back, so any instance can make them at once. */
    void release(List<Long> deliveryIds, Instant now) {
        if (deliveryIds.isEmpty()) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE deliveries SET attempts = attempts - 1, "
                        + "next_attempt_at = ?1 WHERE id IN (?2) AND status = 'pending'")
                .setParameter(1, now).setParameter(2, deliveryIds).executeUpdate());
    }
}
