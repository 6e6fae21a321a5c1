package io.milepost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Ingestion throughput against the database floor, and evaluation cost against bare Drools.
 * Run with {@code ./mvnw verify -Pbench} (H2 file database) or {@code ./mvnw verify -Pbench,postgresql}.
 * Not part of the normal build. Prints a table and writes it to target/bench-results.txt.
 *
 * <ol>
 *   <li>(a) floor: the same N events into {@code events} with plain batched JDBC (500 a batch, one
 *       commit per batch), with 1 thread and with the client thread count; the faster is the floor;</li>
 *   <li>(b) the same N events through {@code POST /v1/batch}, 500 a request, from several client
 *       threads, users split between the clients (each user's events come from one client, in time order);</li>
 *   <li>(a') every row the service wrote in (b), inserted again with plain batched JDBC in as many
 *       transactions: what the service's write volume costs the database alone;</li>
 *   <li>(b') optional ({@code -Dbench.shared-users=true}): one time-ordered stream shared by the
 *       clients, so concurrent requests carry the same (new) users;</li>
 *   <li>(c) per-evaluation cost: JourneyEngine with RuleSet.current() against a bare Drools loop on the same KieBase.</li>
 * </ol>
 * Tables are emptied before each phase so that every phase writes into the same, empty schema.
 * The test asserts that every event was accepted and stored, not how fast.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
class IngestBenchmark {
    private static final Pattern ACK = Pattern.compile("\"accepted\"\\s*:\\s*(\\d+).*\"duplicates\"\\s*:\\s*(\\d+)");

    final int events = Integer.getInteger("bench.events", 50_000);
    final int users = Integer.getInteger("bench.users", 5_000);
    final int batchSize = Integer.getInteger("bench.batch", 500);
    final int threads = Integer.getInteger("bench.threads", 2);
    final int warmupEvents = Integer.getInteger("bench.warmup-events", 10_000);
    final int evalUsers = Integer.getInteger("bench.eval-users", 2_000);
    final boolean sharedUsers = Boolean.parseBoolean(System.getProperty("bench.shared-users", "false"));

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RuleSet rules;

    @Inject
    MilepostConfig config;

    @TestHTTPResource("/v1/batch")
    URI batchUri;

    private final List<String> out = new ArrayList<>();

    @Test
    void benchmark() throws Exception {
        RuleBook book = rules.current();
        if (book == null) {
            throw new IllegalStateException(
                    "no rules loaded from " + rules.dir().toAbsolutePath());
        }
        String db = BenchDatabase.name(dataSource);
        Instant now = Instant.now();
        BenchData warm = BenchData.generate("warm", warmupEvents, Math.max(1, warmupEvents / 10), 7, now);
        BenchData data = BenchData.generate("bench", events, users, 42, now);
        List<List<BenchData.Ev>> batches = data.batches(batchSize);
        String key = BenchClient.writeKey();
        countConflicts();
        // (b) streams: one per client, users split between clients (no two clients send the same user)
        List<List<byte[]>> perClient = bodies(data.partitioned(threads, batchSize));
        // (b') one time-ordered stream shared by the clients (concurrent requests share users)
        List<List<byte[]>> shared = bodies(List.of(batches));
        log(
                "bench: %s, %d events over %d users, %d per request (%d requests, %.0f KB each), %d client threads",
                db, events, users, batchSize, batches.size(), shared.get(0).get(0).length / 1024.0, threads);

        // Warm-up (untimed): JIT for the JDBC driver, the HTTP path, Hibernate and Drools.
        BenchDatabase.clear(dataSource);
        floor(warm.batches(batchSize), threads);
        BenchDatabase.clear(dataSource);
        http(bodies(warm.partitioned(threads, batchSize)), warmupEvents, key, threads);
        BenchDatabase.clear(dataSource);

        // (a) the floor, 1 thread and N threads
        Timing floor1 = floor(batches, 1);
        assertEquals(events, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM events"), "floor (1 thread) rows");
        BenchDatabase.clear(dataSource);
        Timing floorN = floor1;
        if (threads > 1) {
            floorN = floor(batches, threads);
            assertEquals(events, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM events"), "floor rows");
            BenchDatabase.clear(dataSource);
        }
        Timing floorBest = floor1.seconds <= floorN.seconds ? floor1 : floorN;

        // (b) through the service
        HttpRun run = http(perClient, events, key, threads);
        assertEquals(events, run.accepted, "events accepted over HTTP");
        assertEquals(0, run.duplicates, "duplicates over HTTP");
        assertEquals(
                events, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM events"), "events stored by the service");
        assertEquals(
                users, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users"), "users stored by the service");
        long milestones = BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM milestones");
        long actions = BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM actions");
        // (a') the rows the service wrote, written again with plain batched JDBC: the floor for its write volume
        Written written = readBack();
        Rewrite rewrite = rewriteFloor(written, batches.size(), threads);
        // (a'') the service's statements, with those rows, in the requests' transactions
        Timing statements = statementsFloor(written, data.partitioned(threads, batchSize));
        BenchDatabase.clear(dataSource);

        // (b') the same events, clients sharing users
        HttpRun mixed = null;
        if (sharedUsers && threads > 1) {
            mixed = http(shared, events, key, threads);
            assertEquals(events, mixed.accepted, "events accepted over HTTP (shared users)");
            assertEquals(
                    events,
                    BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM events"),
                    "events stored by the service (shared users)");
            BenchDatabase.clear(dataSource);
        }

        // (c) evaluation cost: engine vs bare Drools on the same KieBase
        Map<String, List<JourneyEngine.Input>> evalInputs = firstUsers(data.inputsByUser(), evalUsers);
        EvalRun evals = evaluations(book, evalInputs);

        // the report
        table(db, floor1, floorN, floorBest, rewrite, statements, run, mixed, milestones, actions, evals);
        write(db);
    }

    // ---------------------------------------------------------------- (a) floor

    record Timing(int threads, long events, double seconds) {
        double rate() {
            return events / seconds;
        }
    }

    private Timing floor(List<List<BenchData.Ev>> batches, int threadCount) throws Exception {
        String sql = "INSERT INTO events (id, message_id, user_id, type, name, payload, occurred_at, received_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        AtomicInteger next = new AtomicInteger();
        AtomicLong ids = new AtomicLong(1_000_000_000L);
        long start = System.nanoTime();
        parallel(threadCount, () -> {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                c.setAutoCommit(false);
                for (int i = next.getAndIncrement(); i < batches.size(); i = next.getAndIncrement()) {
                    var received = Instant.now().atOffset(ZoneOffset.UTC);
                    for (BenchData.Ev e : batches.get(i)) {
                        ps.setLong(1, ids.incrementAndGet());
                        ps.setString(2, e.messageId());
                        ps.setString(3, e.userId());
                        ps.setString(4, "track");
                        ps.setString(5, e.name());
                        ps.setString(6, e.propertiesJson());
                        ps.setObject(7, e.timestamp().atOffset(ZoneOffset.UTC));
                        ps.setObject(8, received);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                }
                c.setAutoCommit(true);
            }
            return null;
        });
        return new Timing(threadCount, batches.stream().mapToLong(List::size).sum(), seconds(start));
    }

    // ---------------------------------------------------------------- (a') floor for the service's rows

    private static final List<String> WRITTEN = List.of("events", "users", "milestones", "actions", "outbox");

    record Rewrite(Timing timing, long rows) {}

    /** Every row the service wrote, by table, with each table's columns. */
    record Written(Map<String, List<String>> columns, Map<String, List<Object[]>> rows) {
        long total() {
            return rows.values().stream().mapToLong(List::size).sum();
        }

        String insert(String table) {
            List<String> c = columns.get(table);
            return "INSERT INTO " + table + " (" + String.join(", ", c) + ") VALUES ("
                    + String.join(", ", java.util.Collections.nCopies(c.size(), "?")) + ")";
        }

        /** The rows of {@code table} by the value of {@code column}. */
        Map<Object, Object[]> by(String table, String column) {
            int i = columns.get(table).indexOf(column);
            Map<Object, Object[]> byKey = new java.util.HashMap<>();
            rows.get(table).forEach(r -> byKey.put(r[i], r));
            return byKey;
        }

        /** Slice {@code k} of {@code parts} of the table's rows. */
        List<Object[]> slice(String table, int k, int parts) {
            List<Object[]> list = rows.get(table);
            return list.subList((int) ((long) list.size() * k / parts), (int) ((long) list.size() * (k + 1) / parts));
        }
    }

    /** Reads back every row the service wrote. */
    private Written readBack() throws SQLException {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        Map<String, List<Object[]>> rows = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String table : WRITTEN) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    int n = rs.getMetaData().getColumnCount();
                    List<String> names = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        names.add(rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT));
                    }
                    columns.put(table, names);
                    List<Object[]> list = new ArrayList<>();
                    while (rs.next()) {
                        Object[] row = new Object[n];
                        for (int i = 0; i < n; i++) {
                            Object v = rs.getObject(i + 1);
                            row[i] = v instanceof java.sql.Timestamp ts
                                    ? ts.toInstant().atOffset(ZoneOffset.UTC)
                                    : v;
                        }
                        list.add(row);
                    }
                    rows.put(table, list);
                }
            }
        }
        return new Written(columns, rows);
    }

    /**
     * Empties the tables and inserts the rows the service wrote again with batched JDBC, split into
     * as many transactions as there were requests. Inserts only: the service's reads and updates
     * (users) are not repeated, so this floor is generous.
     */
    private Rewrite rewriteFloor(Written written, int transactions, int threadCount) throws Exception {
        BenchDatabase.clear(dataSource);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        parallel(threadCount, () -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                Map<String, PreparedStatement> statements = new LinkedHashMap<>();
                for (String table : WRITTEN) {
                    statements.put(table, c.prepareStatement(written.insert(table)));
                }
                for (int k = next.getAndIncrement(); k < transactions; k = next.getAndIncrement()) {
                    for (String table : WRITTEN) {
                        insert(statements.get(table), written.slice(table, k, transactions));
                    }
                    c.commit();
                }
                for (PreparedStatement ps : statements.values()) {
                    ps.close();
                }
                c.setAutoCommit(true);
            }
            return null;
        });
        double seconds = seconds(start);
        for (Map.Entry<String, List<Object[]>> table : written.rows().entrySet()) {
            assertEquals(
                    table.getValue().size(),
                    BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM " + table.getKey()),
                    "rows written again into " + table.getKey());
        }
        return new Rewrite(new Timing(threadCount, events, seconds), written.total());
    }

    private static void insert(PreparedStatement ps, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        for (Object[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                ps.setObject(i + 1, row[i]);
            }
            ps.addBatch();
        }
        ps.executeBatch();
    }

    // ---------------------------------------------------------------- (a'') the service's statements

    /**
     * The service's database work without the service: per request of (b), in the same
     * transactions and from as many threads, the statements IngestService runs, with the rows it
     * wrote: lock and load the request's users and their milestones, stalls and actions, look up
     * the messageIds, create the users seen for the first time, insert the events, update every
     * user's row (traits, activity, stage, next check), and insert the request's share of the
     * milestones, actions and outbox messages. No HTTP, no JSON, no rules: the ceiling for (b)
     * with this storage design.
     */
    private Timing statementsFloor(Written written, List<List<List<BenchData.Ev>>> streams) throws Exception {
        BenchDatabase.clear(dataSource);
        Map<Object, Object[]> usersById = written.by("users", "id");
        Map<Object, Object[]> eventsByMessage = written.by("events", "message_id");
        List<String> userColumns = written.columns().get("users");
        int[] update = java.util.stream.Stream.of(
                        "traits",
                        "activity",
                        "signed_up_at",
                        "signup_from_trait",
                        "last_event_at",
                        "stage",
                        "next_check_at",
                        "updated_at",
                        "id")
                .mapToInt(userColumns::indexOf)
                .toArray();
        int transactions = streams.stream().mapToInt(List::size).sum();
        AtomicInteger clients = new AtomicInteger();
        AtomicInteger transaction = new AtomicInteger();
        long start = System.nanoTime();
        parallel(streams.size(), () -> {
            List<List<BenchData.Ev>> stream = streams.get(clients.getAndIncrement());
            java.util.Set<String> created = new java.util.HashSet<>();
            try (Connection c = dataSource.getConnection();
                    PreparedStatement lock = c.prepareStatement(UserStateStore.LOCK_USERS);
                    PreparedStatement known = c.prepareStatement(UserStateStore.KNOWN_MESSAGES);
                    PreparedStatement milestones = c.prepareStatement(UserStateStore.MILESTONES_OF);
                    PreparedStatement stalls = c.prepareStatement(UserStateStore.STALLS_OF);
                    PreparedStatement actions = c.prepareStatement(UserStateStore.ACTIONS_OF);
                    PreparedStatement createUser = c.prepareStatement(written.insert("users"));
                    PreparedStatement updateUser = c.prepareStatement(RowWriter.UPDATE_USER);
                    PreparedStatement insertEvent = c.prepareStatement(written.insert("events"));
                    PreparedStatement insertMilestone = c.prepareStatement(written.insert("milestones"));
                    PreparedStatement insertAction = c.prepareStatement(written.insert("actions"));
                    PreparedStatement insertOutbox = c.prepareStatement(written.insert("outbox"))) {
                c.setAutoCommit(false);
                for (List<BenchData.Ev> batch : stream) {
                    int k = transaction.getAndIncrement();
                    List<String> ids = batch.stream()
                            .map(BenchData.Ev::userId)
                            .distinct()
                            .sorted()
                            .toList();
                    java.sql.Array idArray = Sql.strings(c, ids);
                    drain(lock, idArray);
                    drain(
                            known,
                            Sql.strings(
                                    c,
                                    batch.stream().map(BenchData.Ev::messageId).toList()));
                    drain(milestones, idArray);
                    drain(stalls, idArray);
                    drain(actions, idArray);
                    insert(
                            createUser,
                            ids.stream()
                                    .filter(created::add)
                                    .map(usersById::get)
                                    .toList());
                    insert(
                            insertEvent,
                            batch.stream()
                                    .map(e -> eventsByMessage.get(e.messageId()))
                                    .toList());
                    for (String id : ids) {
                        Object[] row = usersById.get(id);
                        for (int i = 0; i < update.length; i++) {
                            updateUser.setObject(i + 1, row[update[i]]);
                        }
                        updateUser.addBatch();
                    }
                    updateUser.executeBatch();
                    insert(insertMilestone, written.slice("milestones", k, transactions));
                    insert(insertAction, written.slice("actions", k, transactions));
                    insert(insertOutbox, written.slice("outbox", k, transactions));
                    c.commit();
                }
                c.setAutoCommit(true);
            }
            return null;
        });
        double seconds = seconds(start);
        for (String table : WRITTEN) {
            assertEquals(
                    written.rows().get(table).size(),
                    BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM " + table),
                    "rows of " + table + " in (a'')");
        }
        return new Timing(streams.size(), events, seconds);
    }

    private static void drain(PreparedStatement query, java.sql.Array ids) throws SQLException {
        query.setArray(1, ids);
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    // ---------------------------------------------------------------- (b) HTTP

    record HttpRun(Timing timing, long accepted, long duplicates, long[] latenciesMicros, long failed, long conflicts) {
        long percentileMs(double p) {
            long[] sorted =
                    Arrays.stream(latenciesMicros).filter(l -> l > 0).sorted().toArray();
            return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p * sorted.length) - 1))] / 1000;
        }
    }

    /**
     * Posts the bodies from {@code threadCount} clients. With one stream the clients share it (any
     * client may send any user); with one stream per client each sends its own, in order. A body
     * refused with a 5xx (the service gave up after its conflict retries) is sent again afterwards,
     * inside the timing, and counted.
     */
    private HttpRun http(List<List<byte[]>> streams, long eventCount, String key, int threadCount) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        if (!"127.0.0.1".equals(batchUri.getHost()) && !"localhost".equals(batchUri.getHost())) {
            throw new IllegalStateException("refusing to send traffic to " + batchUri);
        }
        AtomicInteger[] next = new AtomicInteger[streams.size()];
        Arrays.setAll(next, i -> new AtomicInteger());
        AtomicInteger clients = new AtomicInteger();
        AtomicLong accepted = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        List<byte[]> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        long[] latencies = new long[streams.stream().mapToInt(List::size).sum() * 2];
        AtomicInteger sent = new AtomicInteger();
        long conflictsBefore = CONFLICTS.get();
        long start = System.nanoTime();
        Thread watchdog = watchdog();
        try {
            parallel(threadCount, () -> {
                int q = clients.getAndIncrement() % streams.size();
                List<byte[]> stream = streams.get(q);
                for (int i = next[q].getAndIncrement(); i < stream.size(); i = next[q].getAndIncrement()) {
                    if (!post(client, key, stream.get(i), accepted, duplicates, latencies, sent)) {
                        failed.add(stream.get(i));
                    }
                }
                return null;
            });
        } finally {
            watchdog.interrupt();
        }
        int refused = failed.size();
        for (byte[] body : failed) {
            if (!post(client, key, body, accepted, duplicates, latencies, sent)) {
                throw new IllegalStateException("POST /v1/batch refused the same body twice");
            }
        }
        return new HttpRun(
                new Timing(threadCount, eventCount, seconds(start)),
                accepted.get(),
                duplicates.get(),
                Arrays.copyOf(latencies, Math.min(latencies.length, sent.get())),
                refused,
                CONFLICTS.get() - conflictsBefore);
    }

    /** Prints what the database sessions are doing if a phase takes longer than bench.stall-seconds. */
    private Thread watchdog() {
        long limit = Long.getLong("bench.stall-seconds", 60);
        Thread t = new Thread(
                () -> {
                    try {
                        Thread.sleep(limit * 1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    try (Connection c = dataSource.getConnection();
                            Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery(
                                    BenchProfile.postgres()
                                            ? "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), query FROM pg_stat_activity"
                                            : "SELECT SESSION_ID, SESSION_STATE, BLOCKER_ID, CONTAINS_UNCOMMITTED, EXECUTING_STATEMENT "
                                                    + "FROM INFORMATION_SCHEMA.SESSIONS")) {
                        System.out.println("bench: phase still running after " + limit + " s; database sessions:");
                        int n = rs.getMetaData().getColumnCount();
                        while (rs.next()) {
                            StringBuilder b = new StringBuilder("  ");
                            for (int i = 1; i <= n; i++) {
                                String v = String.valueOf(rs.getObject(i));
                                b.append(v, 0, Math.min(v.length(), 300)).append(" | ");
                            }
                            System.out.println(b);
                        }
                    } catch (SQLException e) {
                        System.out.println("bench: watchdog could not read sessions: " + e);
                    }
                },
                "bench-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private boolean post(
            HttpClient client,
            String key,
            byte[] body,
            AtomicLong accepted,
            AtomicLong duplicates,
            long[] latencies,
            AtomicInteger sent)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(batchUri)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .timeout(java.time.Duration.ofSeconds(Long.getLong("bench.request-timeout-seconds", 120)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long t = System.nanoTime();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        int n = sent.getAndIncrement();
        if (n < latencies.length) {
            latencies[n] = (System.nanoTime() - t) / 1000;
        }
        if (response.statusCode() >= 500) {
            return false;
        }
        Matcher m = ACK.matcher(response.body());
        if (response.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException(
                    "POST /v1/batch answered " + response.statusCode() + ": " + response.body());
        }
        accepted.addAndGet(Long.parseLong(m.group(1)));
        duplicates.addAndGet(Long.parseLong(m.group(2)));
        return true;
    }

    /** Counts IngestService's "ingest conflict ... retrying" debug messages. */
    static final AtomicLong CONFLICTS = new AtomicLong();

    private static void countConflicts() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.milepost.ingest.IngestService");
        for (java.util.logging.Handler h : logger.getHandlers()) {
            if (h instanceof ConflictCounter) {
                return;
            }
        }
        logger.addHandler(new ConflictCounter());
    }

    static final class ConflictCounter extends java.util.logging.Handler {
        @Override
        public void publish(java.util.logging.LogRecord record) {
            String message = record.getMessage();
            if (message != null && message.startsWith("ingest conflict")) {
                CONFLICTS.incrementAndGet();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    // ---------------------------------------------------------------- (c) evaluations

    record EvalRun(
            int users,
            long evaluations,
            double engineMicros,
            double bareMicros,
            long engineMilestones,
            long bareMilestones,
            long engineActions,
            long bareActions) {}

    private EvalRun evaluations(RuleBook book, Map<String, List<JourneyEngine.Input>> inputs) {
        int maxFirings = config.rules().maxFirings();
        JourneyEngine engine = new JourneyEngine(maxFirings);
        long count = inputs.values().stream().mapToLong(List::size).sum();
        double bestEngine = Double.MAX_VALUE;
        double bestBare = Double.MAX_VALUE;
        long[] engineOut = new long[2];
        BareDrools.Result bare = null;
        for (int round = 0; round < 4; round++) { // round 0 warms up; the best of the other 3 counts
            long s = System.nanoTime();
            long ms = 0;
            long as = 0;
            for (Map.Entry<String, List<JourneyEngine.Input>> user : inputs.entrySet()) {
                Outcomes o = engine.apply(book, UserState.fresh(user.getKey()), user.getValue());
                ms += o.milestones.size();
                as += o.actions.size();
            }
            double engineMicros = (System.nanoTime() - s) / 1000.0 / count;
            engineOut[0] = ms;
            engineOut[1] = as;
            s = System.nanoTime();
            bare = BareDrools.run(book, inputs, maxFirings);
            double bareMicros = (System.nanoTime() - s) / 1000.0 / count;
            if (round > 0) {
                bestEngine = Math.min(bestEngine, engineMicros);
                bestBare = Math.min(bestBare, bareMicros);
            }
        }
        return new EvalRun(
                inputs.size(),
                count,
                bestEngine,
                bestBare,
                engineOut[0],
                bare.milestones(),
                engineOut[1],
                bare.actions());
    }

    private static List<List<byte[]>> bodies(List<List<List<BenchData.Ev>>> streams) {
        return streams.stream()
                .map(stream -> stream.stream().map(BenchData::body).toList())
                .toList();
    }

    private static Map<String, List<JourneyEngine.Input>> firstUsers(
            Map<String, List<JourneyEngine.Input>> all, int n) {
        Map<String, List<JourneyEngine.Input>> some = new LinkedHashMap<>();
        for (Map.Entry<String, List<JourneyEngine.Input>> e : all.entrySet()) {
            if (some.size() >= n) {
                break;
            }
            some.put(e.getKey(), e.getValue());
        }
        return some;
    }

    // ---------------------------------------------------------------- report

    private void table(
            String db,
            Timing floor1,
            Timing floorN,
            Timing floor,
            Rewrite rewrite,
            Timing statements,
            HttpRun run,
            HttpRun mixed,
            long milestones,
            long actions,
            EvalRun evals) {
        String label = BenchProfile.postgres() ? "PostgreSQL" : "H2 (file)";
        double ratio = run.timing.rate() / floor.rate();
        log("");
        log("Milepost ingest benchmark: %s", db);
        log(
                "%d events over %d users, %d events per request, %d client threads; tables emptied before each phase",
                events, users, batchSize, threads);
        log("");
        log(
                "| database   | phase                                              | events | seconds | events/s | ratio vs floor |");
        log(
                "|------------|----------------------------------------------------|-------:|--------:|---------:|---------------:|");
        row(label, "(a) floor: batched JDBC INSERT, 1 thread", floor1, floor);
        if (floorN != floor1) {
            row(label, "(a) floor: batched JDBC INSERT, " + floorN.threads + " threads", floorN, floor);
        }
        row(
                label,
                "(a') rows the service wrote, batched JDBC, " + rewrite.timing.threads + " thr",
                rewrite.timing,
                floor);
        row(label, "(a'') the service's statements, JDBC, " + statements.threads + " thr", statements, floor);
        row(label, "(b) POST /v1/batch, " + run.timing.threads + " clients, users split", run.timing, floor);
        if (mixed != null) {
            row(label, "(b') POST /v1/batch, " + mixed.timing.threads + " clients, users shared", mixed.timing, floor);
        }
        log("");
        log(
                "(b)/(a) = %.1f%% (goal >= 50%%: %s). Per request: p50 %d ms, p95 %d ms, max %d ms; %d conflict retries.",
                ratio * 100,
                ratio >= 0.5 ? "met" : "NOT met",
                run.percentileMs(0.5),
                run.percentileMs(0.95),
                run.percentileMs(1.0),
                run.conflicts);
        if (mixed != null) {
            log(
                    "(b') clients sharing users: %d conflict retries inside the service, %d requests refused with a 5xx "
                            + "after its 5 attempts (sent again, timed); p50 %d ms, p95 %d ms.",
                    mixed.conflicts, mixed.failed, mixed.percentileMs(0.5), mixed.percentileMs(0.95));
        }
        log(
                "The service wrote %d rows for %d events (%.2f per event: %d users, %d milestones, "
                        + "%d actions, the rest outbox), besides updating rows. (a') inserts exactly those rows again, "
                        + "in %d transactions: (b)/(a') = %.0f%%.",
                rewrite.rows,
                events,
                (double) rewrite.rows / events,
                users,
                milestones,
                actions,
                (events + batchSize - 1) / batchSize,
                100 * run.timing.rate() / rewrite.timing.rate());
        log(
                "(a'') runs the service's statements (locks and loads, lookups, inserts, user updates) with those rows in "
                        + "the requests' transactions, without HTTP, JSON or rules: (a'')/(a) = %.0f%% is the ceiling of (b)/(a) "
                        + "with this storage design; (b)/(a'') = %.0f%%.",
                100 * statements.rate() / floor.rate(), 100 * run.timing.rate() / statements.rate());
        log("");
        log(
                "Per-evaluation cost, same rules (RuleSet.current()), %d users, %d evaluations, best of 3 rounds, 1 thread:",
                evals.users, evals.evaluations);
        log("");
        log("| evaluation                                               | µs/evaluation | ratio vs bare |");
        log("|----------------------------------------------------------|--------------:|--------------:|");
        log("| bare Drools: new session, insert facts, fire, dispose    | %13.1f | %13.2f |", evals.bareMicros, 1.0);
        log(
                "| JourneyEngine.apply (the service's evaluator)            | %13.1f | %13.2f |",
                evals.engineMicros, evals.engineMicros / evals.bareMicros);
        log(
                "| service end to end, (b): wall time x clients / events   | %13.1f | %13.2f |",
                run.timing.seconds * 1e6 * run.timing.threads / run.timing.events,
                run.timing.seconds * 1e6 * run.timing.threads / run.timing.events / evals.bareMicros);
        log("");
        log(
                "Same milestones: engine %d, bare %d. Actions: engine %d, bare %d (the engine also closes the windows that "
                        + "closed between a user's events and fires the reactive rules at each close; bare Drools only "
                        + "evaluates at events).",
                evals.engineMilestones, evals.bareMilestones, evals.engineActions, evals.bareActions);
    }

    private void row(String db, String phase, Timing t, Timing floor) {
        log(
                "| %-10s | %-50s | %6d | %7.2f | %8.0f | %13.0f%% |",
                db, phase, t.events, t.seconds, t.rate(), 100 * t.rate() / floor.rate());
    }

    private void log(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        out.add(line);
    }

    private void write(String db) throws IOException {
        Path dir = Path.of(System.getProperty("bench.target", "target"));
        Files.createDirectories(dir);
        String text = String.join("\n", out) + "\n";
        Files.writeString(dir.resolve("bench-results.txt"), text);
        Files.writeString(
                dir.resolve("bench-results-" + (BenchProfile.postgres() ? "postgresql" : "h2") + ".txt"), text);
    }

    // ---------------------------------------------------------------- helpers

    private interface Work {
        Void run() throws Exception;
    }

    private static void parallel(int threadCount, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threadCount);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < threadCount; i++) {
                futures.add(pool.submit(work::run));
            }
            for (Future<Void> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
