package io.milepost.bench;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.milepost.kpi.KpiRecounts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * KPI answers at scale. Run with {@code ./mvnw verify -Pbench -Dtest=KpiBenchmark} (H2 file database)
 * or {@code -Pbench,postgresql}; knobs {@code -Dbench.kpi-users} (default 1,000,000) and
 * {@code -Dbench.kpi-repeats} (default 5); {@code -Dbench.argLine=-Xmx512m} sets the service's heap.
 *
 * <ol>
 *   <li>A bulk SQL loader (INSERT ... SELECT over a number series, in the database) writes N users
 *       signed up evenly over the 182 days before now, with a plan trait (free 50%, pro 30%,
 *       team 10%, none 10%), their milestones (interest 75% of users, first value 45%, value
 *       realization 22.5%, continued value 11%, value growth 7%; each some hours to days after the
 *       one before, some after the window closed; none after now), stalls (interest and first value
 *       windows closed unreached) and actions (three per user on average... see {@link #load});</li>
 *   <li>each KPI request is sent R times after one warm-up (p50 and the slowest), and so is the
 *       plain SQL of the same figures (counts by milestone with joins, percentile_disc) on its own
 *       connection: the ratio service/SQL is the result.</li>
 * </ol>
 * Then the dashboard's pages are opened in headless Chromium ({@link BrowserPages}; leave out with
 * {@code -Dbench.kpi-no-browser=true}). The test asserts that the answers' counts equal the plain
 * SQL's, not how fast they are.
 */
@QuarkusTest
@TestProfile(BenchProfile.class)
class KpiBenchmark {
    private static final String ADMIN = "Bearer test-admin-key";
    final int users = Integer.getInteger("bench.kpi-users", 1_000_000);
    final int repeats = Integer.getInteger("bench.kpi-repeats", 5);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    KpiRecounts recounts;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL base;

    @Test
    void kpiAnswersAtScale() throws Exception {
        BenchReport report = new BenchReport();
        BenchDatabase.clear(dataSource);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = now.minus(Duration.ofDays(182));
        long loadStart = System.nanoTime();
        Map<String, Long> rows = load(start, now);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        report.log("KpiBenchmark on %s", BenchDatabase.name(dataSource));
        report.log(
                "loaded in %.1f s by the bulk SQL loader: %s; service heap max %d MB",
                loadSeconds, rows, Runtime.getRuntime().maxMemory() >> 20);

        // the figures per signup day, counted from the records as POST /v1/kpis/rebuild does after an import
        String job = given().header("Authorization", ADMIN)
                .post("/v1/kpis/rebuild")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        long rebuildStart = System.nanoTime();
        recounts.rebuild(Instant.now());
        double rebuildSeconds = (System.nanoTime() - rebuildStart) / 1e9;
        Response rebuilt = given().header("Authorization", ADMIN).get("/v1/jobs/" + job);
        assertEquals("succeeded", rebuilt.jsonPath().getString("status"));
        report.log(
                "rebuild (POST /v1/kpis/rebuild): %d signup days recounted in %.1f s",
                rebuilt.jsonPath().getLong("done"), rebuildSeconds);

        String from = start.toString();
        String to = now.plusSeconds(1).toString();
        String weekFrom = now.minus(Duration.ofDays(7)).toString();
        long cohort = BenchDatabase.count(
                dataSource,
                "SELECT COUNT(*) FROM users WHERE signed_up_at >= ? AND signed_up_at < ?",
                start,
                now.plusSeconds(1));
        assertEquals(users, cohort);

        report.log(
                "%-36s %10s %10s %10s %10s %8s",
                "request (users signed up in range)", "p50 ms", "max ms", "SQL p50", "SQL max", "ratio");
        measure(
                report,
                "funnel, 6 months",
                "/v1/kpis/funnel?from=" + from + "&to=" + to,
                () -> funnelSql(start, now.plusSeconds(1)));
        measure(
                report,
                "funnel, 1 week",
                "/v1/kpis/funnel?from=" + weekFrom + "&to=" + to,
                () -> funnelSql(now.minus(Duration.ofDays(7)), now.plusSeconds(1)));
        measure(
                report,
                "funnel by plan, 6 months",
                "/v1/kpis/funnel?breakdown=plan&from=" + from + "&to=" + to,
                () -> breakdownSql(start, now.plusSeconds(1)));
        measure(
                report,
                "cohorts by week, 6 months",
                "/v1/kpis/cohorts?interval=week&from=" + from + "&to=" + to,
                () -> cohortsSql(start, now.plusSeconds(1)));
        measure(
                report,
                "time to first_value, 6 months",
                "/v1/kpis/time-to-reach?milestone=first_value&from=" + from + "&to=" + to,
                () -> timesSql(start, now.plusSeconds(1)));
        measure(
                report,
                "actions, 6 months",
                "/v1/kpis/actions?from=" + from + "&to=" + to,
                () -> actionsSql(start, now.plusSeconds(1)));
        measure(
                report,
                "segment page (first_value not reached)",
                "/v1/users?milestone=first_value&reached=false&limit=100",
                this::segmentSql);
        // about 100,000 users: the signups of 182 days * 100,000 / N
        Instant csvFrom = start.plus(Duration.ofDays(30));
        Instant csvTo = csvFrom.plusSeconds(182L * 86_400 * Math.min(users, 100_000) / users);
        long exported = BenchDatabase.count(
                dataSource, "SELECT COUNT(*) FROM users WHERE signed_up_at >= ? AND signed_up_at < ?", csvFrom, csvTo);
        measure(
                report,
                "CSV export of " + exported + " users",
                "/v1/users?format=csv&signedUpFrom=" + csvFrom + "&signedUpTo=" + csvTo,
                () -> query(
                        "SELECT id, signed_up_at, stage, last_event_at FROM users "
                                + "WHERE signed_up_at >= ? AND signed_up_at < ? ORDER BY id",
                        csvFrom,
                        csvTo));
        if (!Boolean.getBoolean("bench.kpi-no-browser")) {
            dashboard(report, start, now);
        }
        report.log(
                "heap used at most (all pools): %d MB of %d MB",
                peakHeap() >> 20, Runtime.getRuntime().maxMemory() >> 20);

        // the answers agree with the plain SQL
        Response funnel = given().header("Authorization", ADMIN).get("/v1/kpis/funnel?from=" + from + "&to=" + to);
        assertEquals(200, funnel.statusCode());
        assertEquals(users, funnel.jsonPath().getLong("cohort"));
        assertEquals(
                count("SELECT COUNT(*) FROM milestones WHERE milestone = 'first_value'"),
                funnel.jsonPath().getLong("milestones.find { it.milestone == 'first_value' }.reached"));
        assertEquals(
                count("SELECT COUNT(*) FROM stalls WHERE milestone = 'interest'"),
                funnel.jsonPath().getLong("milestones.find { it.milestone == 'interest' }.stalled"));
        report.write("bench-kpi-results");
        // a million users left in the tests' database would be found by the next test run
        BenchDatabase.clear(dataSource);
    }

    /**
     * The dashboard's pages over the six months, opened in headless Chromium after one untimed
     * opening each (p50 and the slowest of R): a weekly target on first value is set first, so the
     * Journey and Targets pages draw one.
     */
    private void dashboard(BenchReport report, Instant start, Instant now) throws Exception {
        given().header("Authorization", ADMIN)
                .contentType("application/json")
                .body(
                        "{\"name\":\"First value weekly\",\"milestone\":\"first_value\",\"share\":0.5,\"cohort\":\"week\","
                                + "\"deadline\":\""
                                + now.plus(Duration.ofDays(90))
                                        .atZone(ZoneOffset.UTC)
                                        .toLocalDate() + "\"}")
                .post("/v1/targets")
                .then()
                .statusCode(201);
        String someone;
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT MIN(user_id) FROM milestones WHERE milestone = 'value_realization'")) {
            rs.next();
            someone = rs.getString(1);
        }
        String range = "from=" + start.atZone(ZoneOffset.UTC).toLocalDate() + "&to="
                + now.plus(Duration.ofDays(1)).atZone(ZoneOffset.UTC).toLocalDate();
        String[][] pages = {
            {"Journey", "journey", range},
            {"Journey by plan", "journey", range + "&breakdown=plan"},
            {"Cohorts by week", "cohorts", range + "&interval=week"},
            {"Time to value", "time", range},
            {"Targets", "targets", range},
            {"Actions", "actions", range},
            {"Users: dropped off at first value", "users", range + "&milestone=first_value&state=dropped_off"},
            {"User", "user", range + "&id=" + someone},
            {"Rules", "rules", range},
            {"Webhooks", "webhooks", range},
        };
        report.log("");
        report.log("dashboard pages in headless Chromium, signups of 182 days (%d users), R = %d:", users, repeats);
        report.log("%-36s %14s %10s %16s %10s", "page", "drawn p50 ms", "max ms", "from click p50", "max ms");
        try (BrowserPages browser = new BrowserPages(base, ADMIN)) {
            for (String[] p : pages) {
                browser.open(p[1], p[2], 1);
                List<BrowserPages.Timing> t = browser.open(p[1], p[2], repeats);
                List<Long> drawn =
                        t.stream().map(BrowserPages.Timing::renderMs).sorted().toList();
                List<Long> total = t.stream()
                        .map(BrowserPages.Timing::sinceNavigationMs)
                        .sorted()
                        .toList();
                report.log(
                        "%-36s %14d %10d %16d %10d",
                        p[0],
                        drawn.get((drawn.size() - 1) / 2),
                        drawn.get(drawn.size() - 1),
                        total.get((total.size() - 1) / 2),
                        total.get(total.size() - 1));
            }
        }
    }

    private interface SqlRun {
        void run() throws SQLException;
    }

    private void measure(BenchReport report, String name, String path, SqlRun sql) throws SQLException {
        List<Long> service = new ArrayList<>();
        List<Long> plain = new ArrayList<>();
        String status = "";
        for (int i = 0; i <= repeats; i++) {
            long t0 = System.nanoTime();
            Response r = given().header("Authorization", ADMIN).get(path);
            long t1 = System.nanoTime();
            if (r.statusCode() != 200) {
                status = " (answered " + r.statusCode() + ")";
            }
            sql.run();
            long t2 = System.nanoTime();
            if (i > 0) {
                service.add((t1 - t0) / 1_000_000);
                plain.add((t2 - t1) / 1_000_000);
            }
        }
        service.sort(null);
        plain.sort(null);
        long p50 = service.get((service.size() - 1) / 2);
        long sqlP50 = plain.get((plain.size() - 1) / 2);
        report.log(
                "%-36s %10d %10d %10d %10d %8.2f%s",
                name,
                p50,
                service.get(service.size() - 1),
                sqlP50,
                plain.get(plain.size() - 1),
                (double) p50 / Math.max(1, sqlP50),
                status);
    }

    // ---- the plain SQL of the same figures -------------------------------------------------

    private static final String COHORT = "FROM users u WHERE u.signed_up_at >= ? AND u.signed_up_at < ?";

    private void funnelSql(Instant from, Instant to) throws SQLException {
        query("SELECT COUNT(*) " + COHORT, from, to);
        query(
                "SELECT m.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN milestones m ON m.user_id = u.id")
                        + " GROUP BY m.milestone",
                from,
                to);
        // reached both a milestone and the one before it (value_realization after first_value, say)
        query(
                "SELECT m.milestone, COUNT(*), SUM(CASE WHEN EXTRACT(EPOCH FROM m.reached_at) - EXTRACT(EPOCH FROM p.reached_at) "
                        + "<= 1209600 THEN 1 ELSE 0 END) "
                        + COHORT.replace(
                                "FROM users u",
                                "FROM users u JOIN milestones m ON m.user_id = u.id "
                                        + "JOIN milestones p ON p.user_id = u.id AND p.milestone = CASE m.milestone WHEN 'first_value' THEN 'interest' "
                                        + "WHEN 'value_realization' THEN 'first_value' WHEN 'continued_value' THEN 'value_realization' "
                                        + "ELSE 'continued_value' END")
                        + " GROUP BY m.milestone",
                from,
                to);
        query(
                "SELECT s.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN stalls s ON s.user_id = u.id")
                        + " GROUP BY s.milestone",
                from,
                to);
        query(
                "SELECT m.milestone, PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM m.reached_at) - EXTRACT(EPOCH FROM u.signed_up_at)), "
                        + "PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM m.reached_at) - EXTRACT(EPOCH FROM u.signed_up_at)) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN milestones m ON m.user_id = u.id")
                        + " GROUP BY m.milestone",
                from,
                to);
    }

    private void breakdownSql(Instant from, Instant to) throws SQLException {
        String plan =
                BenchProfile.postgres() ? "(CAST(u.traits AS jsonb) ->> 'plan')" : "MILEPOST_TRAIT(u.traits, 'plan')";
        query("SELECT " + plan + " AS v, COUNT(*) " + COHORT + " GROUP BY v", from, to);
        query(
                "SELECT " + plan + " AS v, m.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN milestones m ON m.user_id = u.id")
                        + " GROUP BY v, m.milestone",
                from,
                to);
        query(
                "SELECT " + plan + " AS v, s.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN stalls s ON s.user_id = u.id")
                        + " GROUP BY v, s.milestone",
                from,
                to);
    }

    private void cohortsSql(Instant from, Instant to) throws SQLException {
        String week = "CAST(FLOOR((EXTRACT(EPOCH FROM u.signed_up_at) / 86400 + 3) / 7) AS BIGINT)";
        query("SELECT " + week + " AS w, COUNT(*) " + COHORT + " GROUP BY w", from, to);
        query(
                "SELECT " + week + " AS w, m.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN milestones m ON m.user_id = u.id")
                        + " GROUP BY w, m.milestone",
                from,
                to);
        query(
                "SELECT " + week + " AS w, s.milestone, COUNT(*) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN stalls s ON s.user_id = u.id")
                        + " GROUP BY w, s.milestone",
                from,
                to);
    }

    private void timesSql(Instant from, Instant to) throws SQLException {
        query(
                "SELECT COUNT(*), PERCENTILE_DISC(0.25) WITHIN GROUP (ORDER BY d), PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY d), "
                        + "PERCENTILE_DISC(0.75) WITHIN GROUP (ORDER BY d), PERCENTILE_DISC(0.9) WITHIN GROUP (ORDER BY d), "
                        + "PERCENTILE_DISC(0.99) WITHIN GROUP (ORDER BY d) FROM (SELECT EXTRACT(EPOCH FROM m.reached_at) - "
                        + "EXTRACT(EPOCH FROM u.signed_up_at) AS d "
                        + COHORT.replace(
                                "FROM users u",
                                "FROM users u JOIN milestones m ON m.user_id = u.id AND m.milestone = 'first_value'")
                        + ") t",
                from,
                to);
    }

    private void actionsSql(Instant from, Instant to) throws SQLException {
        query(
                "SELECT a.action, COUNT(*), COUNT(DISTINCT a.user_id) "
                        + COHORT.replace("FROM users u", "FROM users u JOIN actions a ON a.user_id = u.id")
                        + " AND a.suppressed = FALSE GROUP BY a.action",
                from,
                to);
        // users who reached, after the action, the milestone after the highest one they had
        query(
                "SELECT a.action, COUNT(*) "
                        + COHORT.replace(
                                "FROM users u",
                                "FROM users u JOIN actions a ON a.user_id = u.id "
                                        + "JOIN milestones m ON m.user_id = u.id AND m.reached_at > a.triggered_at")
                        + " AND a.occurrence = 1 "
                        + "GROUP BY a.action",
                from,
                to);
    }

    private void segmentSql() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT u.id, u.signed_up_at, "
                        + "u.stage, u.last_event_at FROM users u WHERE NOT EXISTS (SELECT 1 FROM milestones m WHERE m.user_id = u.id "
                        + "AND m.milestone = 'first_value') ORDER BY u.id FETCH FIRST 100 ROWS ONLY /* " + ++statements
                        + " */");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    /** Numbers the plain SQL's statements, so that H2 runs each one (see {@link #query}). */
    private long statements;

    /**
     * Runs the plain SQL and reads every row. On H2 each run has a text of its own: H2 keeps a
     * connection's parsed statements by their text and answers a statement run again with the same
     * parameters, on unchanged tables, from the result it kept, without running it.
     */
    private void query(String sql, Instant from, Instant to) throws SQLException {
        String text = BenchProfile.postgres() ? sql : sql + " /* " + ++statements + " */";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(text)) {
            ps.setObject(1, from.atOffset(ZoneOffset.UTC));
            ps.setObject(2, to.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            }
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    // ---- the bulk loader -------------------------------------------------------------------

    /**
     * Writes the users and their records with INSERT ... SELECT over 1..N in the database (no rows
     * travel): user x signs up at start + x * (182 days / N); hashes of x decide what they reach
     * and how long it takes. Returns the row counts.
     */
    private Map<String, Long> load(Instant start, Instant now) throws SQLException {
        boolean pg = BenchProfile.postgres();
        String numbers = pg
                ? "(SELECT CAST(x AS BIGINT) AS x FROM generate_series(1, " + users + ") AS g(x))"
                : "(SELECT X AS x FROM SYSTEM_RANGE(1, " + users + "))";
        long spread = Duration.ofDays(182).toSeconds();
        String s = "(TIMESTAMP WITH TIME ZONE '"
                + start.toString().replace("T", " ").replace("Z", "+00") + "' + INTERVAL '1' SECOND * "
                + "(CAST(x AS BIGINT) * " + spread + " / " + users + "))";
        String nowSql =
                "TIMESTAMP WITH TIME ZONE '" + now.toString().replace("T", " ").replace("Z", "+00") + "'";
        // offsets in seconds: interest 0-4 days after signup (a quarter after its 3-day window), first value
        // 1 h - 8 days after interest, value realization 1 h - 16 days after that, continued value 1-40 days
        String o1 = "MOD(x * 7919, 345600)";
        String o2 = "(3600 + MOD(x * 104729, 687600))";
        String o3 = "(3600 + MOD(x * 1299709, 1378800))";
        String o4 = "(86400 + MOD(x * 15485863, 3369600))";
        String o5 = "(3600 + MOD(x * 32452843, 1209600))";
        String h1 = "MOD(x * 31, 1000) < 750";
        String h2 = h1 + " AND MOD(x * 37, 1000) < 600";
        String h3 = h2 + " AND MOD(x * 41, 1000) < 500";
        String h4 = h3 + " AND MOD(x * 43, 1000) < 500";
        String h5 = h3 + " AND MOD(x * 47, 1000) < 300";
        String t1 = "(" + s + " + INTERVAL '1' SECOND * " + o1 + ")";
        String t2 = "(" + t1 + " + INTERVAL '1' SECOND * " + o2 + ")";
        String t3 = "(" + t2 + " + INTERVAL '1' SECOND * " + o3 + ")";
        String t4 = "(" + t3 + " + INTERVAL '1' SECOND * " + o4 + ")";
        String t5 = "(" + t3 + " + INTERVAL '1' SECOND * " + o5 + ")";
        String plan =
                "CASE WHEN MOD(x, 10) < 5 THEN '{\"plan\":\"free\"}' WHEN MOD(x, 10) < 8 THEN '{\"plan\":\"pro\"}' "
                        + "WHEN MOD(x, 10) < 9 THEN '{\"plan\":\"team\"}' ELSE '{}' END";
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            st.execute(
                    "INSERT INTO users (id, traits, activity, signed_up_at, signup_from_trait, last_event_at, stage, "
                            + "next_check_at, created_at, updated_at) SELECT 'u' || CAST(x AS VARCHAR(20)), " + plan
                            + ", '{}', " + s
                            + ", TRUE, " + s + ", NULL, NULL, " + nowSql + ", " + nowSql + " FROM " + numbers + " n");
            String[][] milestones = {
                {"interest", h1, t1},
                {"first_value", h2, t2},
                {"value_realization", h3, t3},
                {"continued_value", h4, t4},
                {"value_growth", h5, t5}
            };
            for (int k = 0; k < milestones.length; k++) {
                st.execute(
                        "INSERT INTO milestones (id, user_id, milestone, reached_at, rule_name, rules_version, recorded_at) "
                                + "SELECT x * 8 + " + k + ", 'u' || CAST(x AS VARCHAR(20)), '" + milestones[k][0]
                                + "', " + milestones[k][2]
                                + ", 'bench', 'bench', " + nowSql + " FROM " + numbers + " n WHERE " + milestones[k][1]
                                + " AND "
                                + milestones[k][2] + " < " + nowSql);
            }
            // stalls: interest not within 3 days, first value not within 7 days of signup, windows closed by now
            st.execute("INSERT INTO stalls (id, user_id, milestone, since, rules_version, recorded_at) SELECT x * 8, "
                    + "'u' || CAST(x AS VARCHAR(20)), 'interest', " + s + " + INTERVAL '3' DAY, 'bench', " + nowSql
                    + " FROM "
                    + numbers + " n WHERE NOT (" + h1 + " AND " + o1 + " <= 259200) AND " + s + " + INTERVAL '3' DAY < "
                    + nowSql);
            st.execute(
                    "INSERT INTO stalls (id, user_id, milestone, since, rules_version, recorded_at) SELECT x * 8 + 1, "
                            + "'u' || CAST(x AS VARCHAR(20)), 'first_value', " + s + " + INTERVAL '7' DAY, 'bench', "
                            + nowSql + " FROM "
                            + numbers + " n WHERE NOT (" + h2 + " AND " + o1 + " + " + o2 + " <= 604800) AND " + s
                            + " + INTERVAL '7' DAY < " + nowSql + " AND MOD(x, 3) = 0");
            // actions: a suggestion to every interested user, a rescue to a third of the rest, an export nudge at first
            // value
            String[][] actions = {
                {"suggest_lists", h1, t1},
                {"rescue_interest", "NOT (" + h1 + ") AND MOD(x, 3) = 0", s + " + INTERVAL '3' DAY"},
                {"suggest_export", h2, t2},
                {"invite_team", h3, t3}
            };
            for (int k = 0; k < actions.length; k++) {
                st.execute(
                        "INSERT INTO actions (id, user_id, action, occurrence, triggered_at, rule_name, payload, suppressed, "
                                + "rules_version, recorded_at) SELECT x * 8 + " + k
                                + ", 'u' || CAST(x AS VARCHAR(20)), '" + actions[k][0]
                                + "', 1, " + actions[k][2] + ", 'bench', '{}', FALSE, 'bench', " + nowSql + " FROM "
                                + numbers + " n WHERE "
                                + actions[k][1] + " AND " + actions[k][2] + " < " + nowSql);
            }
            if (pg) {
                st.execute("VACUUM ANALYZE users");
                st.execute("VACUUM ANALYZE milestones");
                st.execute("VACUUM ANALYZE stalls");
                st.execute("VACUUM ANALYZE actions");
            } else {
                st.execute("ANALYZE");
            }
        }
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (String table : List.of("users", "milestones", "stalls", "actions")) {
            counts.put(table, count("SELECT COUNT(*) FROM " + table));
        }
        assertTrue(counts.get("milestones") > users, "milestones loaded");
        return counts;
    }
}
