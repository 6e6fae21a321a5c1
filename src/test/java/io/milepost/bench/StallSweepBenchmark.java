package io.milepost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.facts.Stalled;
import io.milepost.milestone.StallSweep;
import io.milepost.rules.RuleSet;
import io.milepost.store.RowWriter;
import io.milepost.store.Sql;
import io.milepost.store.UserStateStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Stall sweep throughput against bare Drools, and stall latency with a 1 s sweep loop.
 * Run with {@code ./mvnw verify -Pbench} (H2 file database) or {@code ./mvnw verify -Pbench,postgresql}.
 *
 * <ol>
 *   <li>(s) N users (bench.sweep-users) signed up 30 days ago with one search each (interest
 *       reached, first_value's 7-day window long closed), created through {@code POST /v1/batch};
 *       then one {@code StallSweep.sweep(now)} call, timed until it returns: users/s;</li>
 *   <li>(s') the same users' evaluations in memory: bare Drools (new session, insert User, Activity,
 *       Milestone and the new Stalled fact, fire, dispose) and {@code JourneyEngine.evaluateAt};</li>
 *   <li>(l) M users (bench.latency-users) whose interest windows (3 days) close at instants spread
 *       over the next bench.latency-spread-seconds; sweep(now) called every second (like the
 *       scheduler with a 1 s interval) until all have stalled; distribution of recorded_at - since.</li>
 * </ol>
 * The test asserts that every user got exactly its stall and its reactive action, not how fast.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
class StallSweepBenchmark {
    private static final int PER_REQUEST = 250; // users per request (2 messages each in (s))

    final int sweepUsers = Integer.getInteger("bench.sweep-users", 20_000);
    final int latencyUsers = Integer.getInteger("bench.latency-users", 2_000);
    final int spreadSeconds = Integer.getInteger("bench.latency-spread-seconds", 10);
    final int threads = Integer.getInteger("bench.threads", 2);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RuleSet rules;

    @Inject
    MilepostConfig config;

    @Inject
    StallSweep sweep;

    @Inject
    MeterRegistry metrics;

    @TestHTTPResource("/v1/batch")
    URI batchUri;

    private final BenchReport table = new BenchReport();
    private BenchClient client;

    @Test
    void benchmark() throws Exception {
        RuleBook book = rules.current();
        if (book == null) {
            throw new IllegalStateException(
                    "no rules loaded from " + rules.dir().toAbsolutePath());
        }
        client = new BenchClient(batchUri);
        String db = BenchDatabase.name(dataSource);
        int maxFirings = config.rules().maxFirings();

        // Warm-up (untimed): the sweep's queries, Hibernate and Drools on a small set.
        BenchDatabase.clear(dataSource);
        Instant warmNow = Instant.now();
        createStalledUsers("warm", Math.max(200, sweepUsers / 10), warmNow);
        sweep.sweep(Instant.now());
        BenchDatabase.clear(dataSource);

        // (s) the sweep over N users whose first_value window closed 23 days ago
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long ingestStart = System.nanoTime();
        createStalledUsers("s", sweepUsers, now);
        double ingestSeconds = seconds(ingestStart);
        assertEquals(sweepUsers, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users"), "users created");
        Instant sweepAt = Instant.now();
        assertEquals(
                sweepUsers,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users WHERE next_check_at <= ?", sweepAt),
                "users due");
        Map<String, Object[]> usersBefore = userColumns();
        long outboxBefore = BenchDatabase.count(dataSource, "SELECT COALESCE(MAX(id), 0) FROM outbox");
        long actionsBefore = BenchDatabase.count(dataSource, "SELECT COALESCE(MAX(id), 0) FROM actions");
        long start = System.nanoTime();
        int swept = sweep.sweep(sweepAt);
        double sweepSeconds = seconds(start);
        assertEquals(sweepUsers, swept, "users the sweep looked at");
        assertEquals(
                sweepUsers,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM stalls WHERE milestone = 'first_value'"),
                "first_value stalls");
        assertEquals(sweepUsers, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM stalls"), "stalls");
        assertEquals(
                sweepUsers,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM actions WHERE action = 'rescue_first_value'"),
                "reactive actions");
        assertEquals(
                0,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users WHERE next_check_at <= ?", sweepAt),
                "users still due");
        assertEquals(0, sweep.sweep(sweepAt), "a second sweep finds nobody");

        // (w) the sweep's statements alone, with the rows it wrote, on the same users due again
        double statementsSeconds = statements(usersBefore, outboxBefore, actionsBefore, sweepAt);

        // (s') the same users' evaluations in memory
        Eval eval = inMemory(book, "s", sweepUsers, now, sweepAt, maxFirings);
        assertEquals(sweepUsers, eval.bareActions, "bare Drools: one reactive action per user");
        assertEquals(sweepUsers, eval.engineActions, "JourneyEngine: one reactive action per user");
        BenchDatabase.clear(dataSource);

        // (l) latency: windows closing over the next seconds, swept every second
        Latency latency = latency(book);
        BenchDatabase.clear(dataSource);

        report(db, ingestSeconds, sweepSeconds, statementsSeconds, eval, latency);
        write();
    }

    // ---------------------------------------------------------------- (s) users with closed windows

    private static Instant signup(Instant now, int i) {
        return now.minus(Duration.ofDays(30)).plusSeconds(i % 86_400);
    }

    /** Identify (createdAt 30 days ago) and one search an hour later, per user, through POST /v1/batch. */
    private void createStalledUsers(String tag, int n, Instant now) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        for (int from = 0; from < n; from += PER_REQUEST) {
            StringBuilder b = new StringBuilder("{\"batch\":[");
            for (int i = from; i < Math.min(n, from + PER_REQUEST); i++) {
                Instant at = signup(now, i);
                b.append(i == from ? "" : ",");
                identify(b, tag, i, at);
                b.append(",{\"type\":\"track\",\"userId\":\"")
                        .append(tag)
                        .append("-u")
                        .append(i)
                        .append("\",\"messageId\":\"")
                        .append(tag)
                        .append("-t")
                        .append(i)
                        .append("\",\"event\":\"search_performed\",\"timestamp\":\"")
                        .append(at.plus(Duration.ofHours(1)))
                        .append("\",\"properties\":{\"query\":\"q")
                        .append(i)
                        .append("\"}}");
            }
            bodies.add(b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2L * n, postAll(bodies), "messages accepted");
    }

    private static void identify(StringBuilder b, String tag, int i, Instant createdAt) {
        b.append("{\"type\":\"identify\",\"userId\":\"")
                .append(tag)
                .append("-u")
                .append(i)
                .append("\",\"messageId\":\"")
                .append(tag)
                .append("-i")
                .append(i)
                .append("\",\"timestamp\":\"")
                .append(createdAt)
                .append("\",\"traits\":{\"createdAt\":\"")
                .append(createdAt)
                .append("\",\"plan\":\"free\"}}");
    }

    // ---------------------------------------------------------------- (w) the sweep's statements

    /** Each user's stage, next check and last update, by id. */
    private Map<String, Object[]> userColumns() throws Exception {
        Map<String, Object[]> users = new java.util.HashMap<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, stage, next_check_at, updated_at FROM users")) {
            while (rs.next()) {
                users.put(rs.getString(1), new Object[] {
                    rs.getString(2), rs.getObject(3, OffsetDateTime.class), rs.getObject(4, OffsetDateTime.class)
                });
            }
        }
        return users;
    }

    /**
     * Reads back what the sweep wrote (stalls, its actions and outbox messages, the users' new stage
     * and next check), puts the users back as they were before it (due, no stalls), and runs the
     * sweep's statements (the same SQL, from UserStateStore and RowWriter) with those rows: claim and
     * read a batch of due users with FOR UPDATE SKIP LOCKED, load their milestones, stalls and
     * actions, insert the batch's rows, update the users; one transaction per batch, from as many threads as the sweep has workers. Returns
     * the seconds it took.
     */
    private double statements(Map<String, Object[]> before, long outboxBefore, long actionsBefore, Instant at)
            throws Exception {
        Map<String, Object[]> after = userColumns();
        Map<String, List<Object[]>> stalls =
                rowsByUser("SELECT id, user_id, milestone, since, rules_version, recorded_at " + "FROM stalls", 1);
        Map<String, List<Object[]>> actions = rowsByUser(
                "SELECT id, user_id, action, occurrence, triggered_at, rule_name, "
                        + "payload, suppressed, rules_version, recorded_at, held_out, suppressed_reason FROM actions WHERE id > "
                        + actionsBefore,
                1);
        Map<String, List<Object[]>> outbox = rowsByUser(
                "SELECT id, type, user_id, subject, body, occurred_at, created_at, "
                        + "webhook_id FROM outbox WHERE id > " + outboxBefore,
                2);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM stalls");
                s.executeUpdate("DELETE FROM actions WHERE id > " + actionsBefore);
                s.executeUpdate("DELETE FROM outbox WHERE id > " + outboxBefore);
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE users SET stage = ?, next_check_at = ?, updated_at = ? WHERE id = ?")) {
                for (Map.Entry<String, Object[]> u : before.entrySet()) {
                    ps.setObject(1, u.getValue()[0]);
                    ps.setObject(2, u.getValue()[1]);
                    ps.setObject(3, u.getValue()[2]);
                    ps.setString(4, u.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        }
        assertEquals(
                sweepUsers,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users WHERE next_check_at <= ?", at),
                "users due again");
        long start = System.nanoTime();
        List<Callable<Void>> workers = new ArrayList<>();
        int workerCount = Math.max(1, config.scheduler().workers());
        for (int t = 0; t < workerCount; t++) {
            workers.add(() -> {
                try (Connection c = dataSource.getConnection();
                        PreparedStatement claim = c.prepareStatement(UserStateStore.CLAIM_DUE_USERS);
                        PreparedStatement milestones = c.prepareStatement(UserStateStore.MILESTONES_OF);
                        PreparedStatement stalled = c.prepareStatement(UserStateStore.STALLS_OF);
                        PreparedStatement fired = c.prepareStatement(UserStateStore.ACTIONS_OF);
                        PreparedStatement insertStall = c.prepareStatement(RowWriter.STALL);
                        PreparedStatement insertAction = c.prepareStatement(RowWriter.ACTION);
                        PreparedStatement insertOutbox = c.prepareStatement(RowWriter.OUTBOX);
                        PreparedStatement update = c.prepareStatement(RowWriter.UPDATE_STAGE)) {
                    c.setAutoCommit(false);
                    while (true) {
                        List<String> ids = new ArrayList<>();
                        if (BenchProfile.postgres()) {
                            Sql.indexScansOnly(c); // as UserStateStore.claimDue does in the sweep's transaction
                        }
                        claim.setObject(1, Sql.at(UserStateStore.DUE_FLOOR));
                        claim.setObject(2, Sql.at(at));
                        claim.setInt(3, StallSweep.BATCH);
                        try (ResultSet rs = claim.executeQuery()) {
                            while (rs.next()) {
                                ids.add(rs.getString(1));
                            }
                        }
                        if (ids.isEmpty()) {
                            c.commit();
                            break;
                        }
                        java.sql.Array idArray = Sql.strings(c, ids);
                        for (PreparedStatement q : List.of(milestones, stalled, fired)) {
                            q.setArray(1, idArray);
                            try (ResultSet rs = q.executeQuery()) {
                                while (rs.next()) {
                                    rs.getObject(1);
                                }
                            }
                        }
                        for (String id : ids) {
                            add(insertStall, stalls.get(id));
                            add(insertAction, actions.get(id));
                            add(insertOutbox, outbox.get(id));
                            Object[] u = after.get(id);
                            update.setObject(1, u[0]);
                            update.setObject(2, u[1]);
                            update.setObject(3, u[2]);
                            update.setString(4, id);
                            update.addBatch();
                        }
                        insertStall.executeBatch();
                        insertAction.executeBatch();
                        insertOutbox.executeBatch();
                        update.executeBatch();
                        c.commit();
                    }
                    c.setAutoCommit(true);
                }
                return null;
            });
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workerCount);
        try {
            for (java.util.concurrent.Future<Void> f : pool.invokeAll(workers)) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = seconds(start);
        assertEquals(sweepUsers, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM stalls"), "stalls in (w)");
        assertEquals(
                0,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users WHERE next_check_at <= ?", at),
                "users still due after (w)");
        return seconds;
    }

    private Map<String, List<Object[]>> rowsByUser(String sql, int userColumn) throws Exception {
        Map<String, List<Object[]>> byUser = new java.util.HashMap<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Object[] row = new Object[n];
                for (int i = 0; i < n; i++) {
                    Object v = rs.getObject(i + 1);
                    row[i] = v instanceof java.sql.Timestamp ts ? ts.toInstant().atOffset(java.time.ZoneOffset.UTC) : v;
                }
                byUser.computeIfAbsent((String) row[userColumn], k -> new ArrayList<>())
                        .add(row);
            }
        }
        return byUser;
    }

    private static void add(PreparedStatement insert, List<Object[]> rows) throws java.sql.SQLException {
        if (rows == null) {
            return;
        }
        for (Object[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                insert.setObject(i + 1, row[i]);
            }
            insert.addBatch();
        }
    }

    // ---------------------------------------------------------------- (s') in memory

    record Eval(double bareRate, double engineRate, long bareActions, long engineActions) {}

    /**
     * The users' states built in memory from the same messages (untimed), the new Stalled facts
     * computed with Windows.closed (untimed); then per user one evaluation with bare Drools, and one
     * with JourneyEngine.evaluateAt (the sweep's evaluator). Round 0 warms up; best of 3 rounds.
     */
    private Eval inMemory(RuleBook book, String tag, int n, Instant now, Instant at, int maxFirings) {
        JourneyEngine engine = new JourneyEngine(maxFirings);
        double bestBare = 0;
        double bestEngine = 0;
        long bareActions = 0;
        long engineActions = 0;
        for (int round = 0; round < 4; round++) {
            List<UserState> states = new ArrayList<>(n);
            Map<String, List<Stalled>> closed = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Instant signup = signup(now, i);
                UserState state = UserState.fresh(tag + "-u" + i);
                engine.apply(
                        book,
                        state,
                        List.of(
                                JourneyEngine.Input.identify(
                                        tag + "-i" + i, Map.of("createdAt", signup.toString(), "plan", "free"), signup),
                                JourneyEngine.Input.track(
                                        tag + "-t" + i,
                                        "search_performed",
                                        Map.of("query", "q" + i),
                                        signup.plus(Duration.ofHours(1)))));
                states.add(state);
                closed.put(
                        state.id(),
                        Windows.closed(book, state, at).stream()
                                .map(c -> new Stalled(c.milestone(), c.closedAt()))
                                .toList());
            }
            long s = System.nanoTime();
            BareDrools.Result bare = BareDrools.stalls(book, states, closed, at, maxFirings);
            double bareRate = n / seconds(s);
            s = System.nanoTime();
            long actions = 0;
            for (UserState state : states) {
                actions += engine.evaluateAt(book, state, at, closed.get(state.id()))
                        .actions
                        .size();
            }
            double engineRate = n / seconds(s);
            if (round > 0) {
                bestBare = Math.max(bestBare, bareRate);
                bestEngine = Math.max(bestEngine, engineRate);
            }
            bareActions = bare.actions();
            engineActions = actions;
        }
        return new Eval(bestBare, bestEngine, bareActions, engineActions);
    }

    // ---------------------------------------------------------------- (l) latency

    record Latency(
            int users,
            double ingestSeconds,
            long[] millis,
            int sweeps,
            double sweepSecondsMax,
            long timerCount,
            double timerMaxMs) {
        long percentile(double p) {
            return millis[Math.min(millis.length - 1, Math.max(0, (int) Math.ceil(p * millis.length) - 1))];
        }
    }

    private Latency latency(RuleBook book) throws Exception {
        Timer timer = metrics.find("milepost.stall.latency").timer();
        long timerCountBefore = timer == null ? 0 : timer.count();
        // the first window closes 3 s after t0, so that creating the users is done before
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Duration interest = Duration.ofDays(3);
        List<byte[]> bodies = new ArrayList<>();
        for (int from = 0; from < latencyUsers; from += 2 * PER_REQUEST) {
            StringBuilder b = new StringBuilder("{\"batch\":[");
            for (int i = from; i < Math.min(latencyUsers, from + 2 * PER_REQUEST); i++) {
                long offsetMs = 3_000 + (long) spreadSeconds * 1000 * i / latencyUsers;
                b.append(i == from ? "" : ",");
                identify(b, "l", i, t0.minus(interest).plusMillis(offsetMs));
            }
            bodies.add(b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        }
        long ingestStart = System.nanoTime();
        assertEquals(latencyUsers, postAll(bodies), "identifies accepted");
        double ingestSeconds = seconds(ingestStart);
        long deadline = System.nanoTime() + (spreadSeconds + 60) * 1_000_000_000L;
        long next = System.nanoTime();
        int sweeps = 0;
        double slowest = 0;
        while (BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM stalls WHERE milestone = 'interest'")
                < latencyUsers) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "not every interest window stalled within " + (spreadSeconds + 60) + " s");
            }
            next += 1_000_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long s = System.nanoTime();
            sweep.sweep(Instant.now());
            slowest = Math.max(slowest, seconds(s));
            sweeps++;
        }
        assertEquals(latencyUsers, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM stalls"), "stalls");
        assertEquals(
                latencyUsers,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM actions WHERE action = 'rescue_interest'"),
                "reactive actions");
        long[] millis = new long[latencyUsers];
        int k = 0;
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT since, recorded_at FROM stalls")) {
            while (rs.next()) {
                millis[k++] = Duration.between(
                                rs.getObject(1, OffsetDateTime.class), rs.getObject(2, OffsetDateTime.class))
                        .toMillis();
            }
        }
        Arrays.sort(millis);
        timer = metrics.find("milepost.stall.latency").timer();
        long timerCount = timer == null ? 0 : timer.count() - timerCountBefore;
        double timerMax = timer == null ? 0 : timer.max(java.util.concurrent.TimeUnit.MILLISECONDS);
        return new Latency(latencyUsers, ingestSeconds, millis, sweeps, slowest, timerCount, timerMax);
    }

    // ---------------------------------------------------------------- report

    private void report(
            String db, double ingestSeconds, double sweepSeconds, double statementsSeconds, Eval eval, Latency l) {
        String label = BenchProfile.postgres() ? "PostgreSQL" : "H2 (file)";
        double sweepRate = sweepUsers / sweepSeconds;
        log("");
        log("Milepost stall sweep benchmark: %s", db);
        log(
                "%d users, signed up 30 days ago with one search each (first_value's 7-day window closed), created "
                        + "through POST /v1/batch in %.1f s; one StallSweep.sweep(now) call (its batches and workers as configured)",
                sweepUsers, ingestSeconds);
        log("");
        log(
                "| database   | phase                                                   |  users | seconds |  users/s | ratio vs bare |");
        log(
                "|------------|---------------------------------------------------------|-------:|--------:|---------:|--------------:|");
        log(
                "| %-10s | %-55s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "bare Drools: session, facts + Stalled, fire, dispose",
                sweepUsers,
                sweepUsers / eval.bareRate,
                eval.bareRate,
                100.0);
        log(
                "| %-10s | %-55s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "JourneyEngine.evaluateAt (in memory, no database)",
                sweepUsers,
                sweepUsers / eval.engineRate,
                eval.engineRate,
                100 * eval.engineRate / eval.bareRate);
        log(
                "| %-10s | %-55s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "(w) the sweep's statements alone, JDBC, no rules",
                sweepUsers,
                statementsSeconds,
                sweepUsers / statementsSeconds,
                100 * sweepUsers / statementsSeconds / eval.bareRate);
        log(
                "| %-10s | %-55s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "StallSweep.sweep(now): claim, load, evaluate, save",
                sweepUsers,
                sweepSeconds,
                sweepRate,
                100 * sweepRate / eval.bareRate);
        log("");
        log(
                "(w) runs what the sweep runs against the database (claim and load, insert the stalls, actions and "
                        + "outbox messages it wrote, update the users), in batches of %d from %d threads, without rules: "
                        + "(w)/bare = %.1f%% is the ceiling of sweep/bare with this storage design; sweep/(w) = %.0f%%.",
                StallSweep.BATCH,
                config.scheduler().workers(),
                100 * sweepUsers / statementsSeconds / eval.bareRate,
                100 * statementsSeconds / sweepSeconds);
        log(
                "sweep / bare = %.1f%% (goal >= 30%%: %s). In-memory rates: best of 3 rounds after a warm-up round, 1 thread; "
                        + "the sweep: one run, with milepost.scheduler.workers workers. Every user got 1 first_value stall and 1 rescue_first_value action.",
                100 * sweepRate / eval.bareRate, sweepRate / eval.bareRate >= 0.3 ? "met" : "NOT met");
        log("");
        log(
                "Stall latency (recorded_at - window close), %d users whose interest windows closed over %d s, "
                        + "WITH A 1 s SWEEP LOOP (sweep(now) called every second, like milepost.scheduler.interval=1s):",
                l.users, spreadSeconds);
        log("");
        log("| database   | users | sweeps | p50 ms | p90 ms | p99 ms | max ms | slowest sweep ms |");
        log("|------------|------:|-------:|-------:|-------:|-------:|-------:|-----------------:|");
        log(
                "| %-10s | %5d | %6d | %6d | %6d | %6d | %6d | %16.0f |",
                label,
                l.users,
                l.sweeps,
                l.percentile(0.5),
                l.percentile(0.9),
                l.percentile(0.99),
                l.millis[l.millis.length - 1],
                l.sweepSecondsMax * 1000);
        log("");
        log(
                "(users created in %.1f s, before the first window closed; Micrometer milepost.stall.latency recorded %d "
                        + "of them, max %.0f ms)",
                l.ingestSeconds, l.timerCount, l.timerMaxMs);
    }

    private void log(String format, Object... args) {
        table.log(format, args);
    }

    private void write() throws IOException {
        table.write("bench-sweep-results");
    }

    // ---------------------------------------------------------------- helpers

    /** Posts the bodies from the client threads, dealt round-robin (each body carries its own users); returns the accepted count. */
    private long postAll(List<byte[]> bodies) throws Exception {
        List<List<byte[]>> streams = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            streams.add(new ArrayList<>());
        }
        for (int i = 0; i < bodies.size(); i++) {
            streams.get(i % threads).add(bodies.get(i));
        }
        return client.post(streams);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
