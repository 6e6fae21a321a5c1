package io.milepost.kpi;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.milestone.StallSweep;
import io.milepost.replay.ReplayJobs;
import io.milepost.replay.ReplayRunner;
import io.milepost.rules.RuleSet;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Random histories (seeded: -Dkpi.seed=N reruns one) ingested through the API, with windows closed
 * by the sweep, a replay that restores milestones with their historical times, moved signups and
 * erasures in between; then every figure of the funnel (whole and per plan), the cohorts and the
 * time to reach is compared with a brute-force count over the users, milestones and stalls tables.
 */
@QuarkusTest
class RandomHistoriesTest {
    private static final String[] PLANS = {"free", "pro", "team", "trial"};
    private static final String[] SOURCES = {"ads", "seo", "referral", "newsletter", "podcast"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    StallSweep sweep;

    @Inject
    ReplayJobs jobs;

    @Inject
    ReplayRunner runner;

    @Inject
    RuleSet rules;

    @Inject
    AgroalDataSource db;

    @Inject
    KpiRecounts recounts;

    @Test
    void shouldAgreeWithABruteForceCountOfTheRecords() throws Exception {
        long seed = Long.getLong("kpi.seed", 20261201L);
        Random random = new Random(seed);
        String run = "rh" + UUID.randomUUID().toString().substring(0, 6) + "-";
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // signups over the last 50 days: old cohorts with every window closed, recent ones still open
        Instant first = now.minus(Duration.ofDays(50));
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String u = run + i;
            users.add(u);
            Instant signup = first.plusSeconds((long)
                    (random.nextDouble() * Duration.ofDays(50).minusHours(1).toSeconds()));
            identify(
                    u,
                    signup,
                    random.nextInt(5) == 0 ? null : PLANS[random.nextInt(PLANS.length)],
                    random.nextInt(4) == 0 ? null : SOURCES[random.nextInt(SOURCES.length)]);
            writer().body(batch(history(u, signup, now, random).toArray(String[]::new)))
                    .post("/v1/batch")
                    .then()
                    .statusCode(200);
        }
        // a signup that moves: the user changes cohort (and their windows move with it)
        for (int i = 0; i < 6; i++) {
            String u = users.get(random.nextInt(users.size()));
            identify(
                    u,
                    first.plusSeconds(
                            (long) (random.nextDouble() * Duration.ofDays(49).toSeconds())),
                    "pro",
                    null);
        }
        sweep.sweep(now);
        // milestones lost (say, a restore) and given back by a replay, at the times the events say
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM milestones WHERE user_id = ?")) {
            for (int i = 0; i < 8; i++) {
                ps.setString(1, users.get(random.nextInt(users.size())));
                ps.executeUpdate();
            }
        }
        jobs.create(false);
        assertEquals(1, runner.runAvailable());
        for (int i = 0; i < 6; i++) {
            admin().delete("/v1/users/" + users.get(random.nextInt(users.size())));
        }
        sweep.sweep(now);

        Instant from = first.minus(Duration.ofHours(3));
        Instant to = now.plus(Duration.ofHours(1));
        // nothing kept yet: every figure is counted from the records
        checkAll(seed, "from the records", from, to);

        // every day counted and kept: answers read the kept figures, and count again what may still change
        while (recounts.catchUp(Instant.now()) > 0) {
            recounts.fold(Instant.now());
        }
        while (recounts.fold(Instant.now()) > 0) {
            // other tests' marks too
        }
        assertEquals(0, count("SELECT COUNT(*) FROM kpi_dirty_days"), "no day is left marked");
        assertEquals(
                0,
                count(
                        "SELECT COUNT(*) FROM (SELECT DISTINCT CAST(FLOOR(EXTRACT(EPOCH FROM signed_up_at) / 86400) "
                                + "AS BIGINT) AS d FROM users WHERE signed_up_at >= ?) x WHERE NOT EXISTS "
                                + "(SELECT 1 FROM kpi_days k WHERE k.signup_day = x.d AND k.trait = '' AND k.milestone = '')",
                        from),
                "figures are kept for every signup day");
        checkAll(seed, "kept", from, to);

        // changes after the count: their days are marked and counted from the records until the fold
        for (int i = 0; i < 4; i++) {
            String u = users.get(random.nextInt(users.size()));
            writer().body(batch(
                            track(
                                    u,
                                    "search_performed",
                                    now.minusSeconds(3600L * i).toString()),
                            track(u, "list_created", now.minusSeconds(600L * i).toString())))
                    .post("/v1/batch")
                    .then()
                    .statusCode(200);
        }
        identify(users.get(random.nextInt(users.size())), first.plus(Duration.ofDays(2)), "team", "ads");
        admin().delete("/v1/users/" + users.get(random.nextInt(users.size())));
        sweep.sweep(now);
        assertTrue(count("SELECT COUNT(*) FROM kpi_dirty_days") > 0, "the changes marked their days");
        checkAll(seed, "kept and marked", from, to);
        recounts.fold(Instant.now());
        checkAll(seed, "folded", from, to);
    }

    private long count(String sql, Instant... times) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < times.length; i++) {
                ps.setObject(i + 1, times[i].atOffset(ZoneOffset.UTC));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Compares every figure of the funnel (whole and broken down), the cohorts and the times to reach with the records. */
    private void checkAll(long seedNumber, String phase, Instant from, Instant to) throws Exception {
        String seed = seedNumber + ", " + phase;
        List<MilestoneDefinition> catalog = rules.current().milestones();
        Records records = load(from, to);
        assertTrue(records.users.size() > 30, "most random users are still there: " + records.users.size());

        JsonPath funnel = get("/v1/kpis/funnel", "from", from, "to", to, null, null);
        Instant asOf = Instant.parse(funnel.getString("asOf"));
        assertEquals(records.users.size(), funnel.getLong("cohort"), "cohort (seed " + seed + ")");
        checkSteps(
                seed,
                "funnel",
                catalog,
                records,
                records.users.keySet().stream().toList(),
                asOf,
                funnel,
                "milestones");

        // per plan (kept per value) and per source (counted from the records): the two most common values,
        // the rest as other, and users without it
        for (String trait : List.of("plan", "source")) {
            JsonPath byTrait = admin().queryParam("from", from.toString())
                    .queryParam("to", to.toString())
                    .queryParam("breakdown", trait)
                    .queryParam("top", 2)
                    .get("/v1/kpis/funnel")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            Instant traitAsOf = Instant.parse(byTrait.getString("asOf"));
            Map<String, List<String>> byValue = new LinkedHashMap<>();
            records.users.forEach((u, r) -> byValue.computeIfAbsent(r.traits.get(trait), k -> new ArrayList<>())
                    .add(u));
            List<String> top = byValue.keySet().stream()
                    .filter(Objects::nonNull)
                    .sorted(Comparator.comparing((String v) -> -byValue.get(v).size())
                            .thenComparing(v -> v))
                    .limit(2)
                    .toList();
            List<Map<String, Object>> groups = byTrait.getList("breakdown.groups");
            List<String> expectedValues = new ArrayList<>(top);
            List<String> other = new ArrayList<>();
            byValue.forEach((v, us) -> {
                if (v != null && !top.contains(v)) {
                    other.addAll(us);
                }
            });
            if (!other.isEmpty()) {
                expectedValues.add("other");
            }
            if (byValue.containsKey(null)) {
                expectedValues.add(null);
            }
            assertEquals(
                    expectedValues,
                    groups.stream().map(g -> (String) g.get("value")).toList(),
                    trait + " groups (seed " + seed + ")");
            for (int g = 0; g < groups.size(); g++) {
                String value = expectedValues.get(g);
                List<String> members = "other".equals(value) && g == top.size() ? other : byValue.get(value);
                assertEquals(
                        members.size(), byTrait.getLong("breakdown.groups[" + g + "].cohort"), "cohort of " + value);
                checkSteps(
                        seed,
                        trait + " " + value,
                        catalog,
                        records,
                        members,
                        traitAsOf,
                        byTrait,
                        "breakdown.groups[" + g + "].milestones");
            }
            checkSteps(
                    seed,
                    "funnel by " + trait,
                    catalog,
                    records,
                    records.users.keySet().stream().toList(),
                    traitAsOf,
                    byTrait,
                    "milestones");
        }

        // cohorts by week (Monday) and by day
        for (String interval : List.of("week", "day")) {
            JsonPath cohorts = get("/v1/kpis/cohorts", "from", from, "to", to, "interval", interval);
            Instant cohortsAsOf = Instant.parse(cohorts.getString("asOf"));
            List<Map<String, Object>> rows = cohorts.getList("cohorts");
            LocalDate day = LocalDate.ofInstant(from, ZoneOffset.UTC);
            LocalDate start =
                    interval.equals("week") ? day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)) : day;
            int i = 0;
            for (LocalDate d = start; d.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(to); i++) {
                LocalDate next = interval.equals("week") ? d.plusWeeks(1) : d.plusDays(1);
                Instant s = max(from, d.atStartOfDay(ZoneOffset.UTC).toInstant());
                Instant e = min(to, next.atStartOfDay(ZoneOffset.UTC).toInstant());
                List<String> members = records.users.entrySet().stream()
                        .filter(x -> !x.getValue().signup.isBefore(s)
                                && x.getValue().signup.isBefore(e))
                        .map(Map.Entry::getKey)
                        .toList();
                String p = "cohorts[" + i + "]";
                assertEquals(s, Instant.parse(cohorts.getString(p + ".start")), interval + " start " + i);
                assertEquals(
                        members.size(),
                        cohorts.getLong(p + ".size"),
                        interval + " size at " + s + " (seed " + seed + ")");
                for (int k = 0; k < catalog.size(); k++) {
                    Expected x = expected(catalog, k, records, members, cohortsAsOf);
                    String q = p + ".milestones[" + k + "].";
                    String what = interval + " " + s + " " + catalog.get(k).name() + " (seed " + seed + ") ";
                    assertEquals(catalog.get(k).name(), cohorts.getString(q + "milestone"));
                    assertEquals(x.reached, cohorts.getLong(q + "reached"), what + "reached");
                    assertEquals(x.withinWindow, cohorts.getLong(q + "reachedWithinWindow"), what + "within window");
                    assertEquals(x.inProgress, cohorts.getLong(q + "inProgress"), what + "in progress");
                    assertEquals(x.stalled, cohorts.getLong(q + "stalled"), what + "stalled");
                    assertShare(x.reached, members.size(), cohorts.get(q + "share"), what + "share");
                }
                d = next;
            }
            assertEquals(i, rows.size(), interval + " cohorts");
        }

        // time to reach each milestone: the histogram exactly, percentiles within 1%
        for (int k = 0; k < catalog.size(); k++) {
            MilestoneDefinition m = catalog.get(k);
            JsonPath times = admin().queryParam("milestone", m.name())
                    .queryParam("from", from.toString())
                    .queryParam("to", to.toString())
                    .get("/v1/kpis/time-to-reach")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            List<Duration> sorted =
                    times(catalog, k, records, records.users.keySet().stream().toList());
            String what = "time to " + m.name() + " (seed " + seed + ") ";
            assertEquals(m.after() == null ? "signup" : m.after(), times.getString("measuredFrom"));
            assertEquals(sorted.size(), times.getLong("reached"), what + "reached");
            List<Map<String, Object>> buckets = times.getList("buckets");
            for (int b = 0; b < buckets.size(); b++) {
                Duration lo = Duration.parse((String) buckets.get(b).get("from"));
                String hiText = (String) buckets.get(b).get("to");
                Duration hi = hiText == null ? null : Duration.parse(hiText);
                long count = sorted.stream()
                        .filter(t -> t.compareTo(lo) >= 0 && (hi == null || t.compareTo(hi) < 0))
                        .count();
                assertEquals(
                        count,
                        ((Number) buckets.get(b).get("count")).longValue(),
                        what + buckets.get(b).get("label"));
            }
            for (int pct : new int[] {25, 50, 75, 90, 99}) {
                assertDuration(percentile(sorted, pct), times.getString("percentiles.p" + pct), what + "p" + pct);
            }
        }
    }

    /** Checks every figure of the steps at {@code path} against a count over {@code members}. */
    private static void checkSteps(
            String seed,
            String label,
            List<MilestoneDefinition> catalog,
            Records records,
            List<String> members,
            Instant asOf,
            JsonPath json,
            String path) {
        for (int k = 0; k < catalog.size(); k++) {
            Expected x = expected(catalog, k, records, members, asOf);
            String p = path + "[" + k + "].";
            String what = label + " " + catalog.get(k).name() + " (seed " + seed + ") ";
            assertEquals(catalog.get(k).name(), json.getString(p + "milestone"));
            assertEquals(x.previous, json.getString(p + "previous"), what + "previous");
            assertEquals(x.previousReached, json.getLong(p + "previousReached"), what + "previousReached");
            assertEquals(x.reached, json.getLong(p + "reached"), what + "reached");
            assertEquals(x.both, json.getLong(p + "reachedAfterPrevious"), what + "reachedAfterPrevious");
            assertEquals(x.withinWindow, json.getLong(p + "reachedWithinWindow"), what + "reachedWithinWindow");
            assertEquals(x.stalled, json.getLong(p + "stalled"), what + "stalled");
            assertEquals(x.inProgress, json.getLong(p + "inProgress"), what + "inProgress");
            assertEquals(x.droppedOff, json.getLong(p + "droppedOff"), what + "droppedOff");
            assertEquals(members.size() - x.reached, json.getLong(p + "notReached"), what + "notReached");
            assertShare(x.reached, members.size(), json.get(p + "share"), what + "share");
            assertShare(x.both, x.previousReached, json.get(p + "conversionFromPrevious"), what + "conversion");
            Object conversion = json.get(p + "conversionFromPrevious");
            assertTrue(conversion == null || ((Number) conversion).doubleValue() <= 1.0, what + "conversion <= 1");
            List<Duration> sorted = times(catalog, k, records, members);
            assertDuration(percentile(sorted, 50), json.getString(p + "medianTimeToReach"), what + "median");
            assertDuration(percentile(sorted, 90), json.getString(p + "p90TimeToReach"), what + "p90");
        }
    }

    /** The figures of milestone k over the members, from the records, as the README defines them. */
    private static Expected expected(
            List<MilestoneDefinition> catalog, int k, Records records, List<String> members, Instant asOf) {
        MilestoneDefinition m = catalog.get(k);
        String previous = m.after() != null
                ? m.after()
                : k == 0 ? null : catalog.get(k - 1).name();
        Expected x = new Expected();
        x.previous = previous;
        for (String u : members) {
            UserRecords r = records.users.get(u);
            Instant at = r.milestones.get(m.name());
            boolean hasPrevious = previous == null || r.milestones.containsKey(previous);
            Instant opens = m.after() == null ? r.signup : r.milestones.get(m.after());
            Instant closes = m.within() == null || opens == null ? null : opens.plus(m.within());
            x.reached += at != null ? 1 : 0;
            x.previousReached += hasPrevious ? 1 : 0;
            x.both += at != null && hasPrevious ? 1 : 0;
            x.stalled += r.stalls.contains(m.name()) ? 1 : 0;
            if (at != null && (m.within() == null || closes != null && !at.isAfter(closes))) {
                x.withinWindow++;
            }
            if (at == null) {
                if (m.within() == null ? hasPrevious : closes != null && closes.isAfter(asOf)) {
                    x.inProgress++;
                }
                if (m.within() != null && hasPrevious && closes != null && !closes.isAfter(asOf)) {
                    x.droppedOff++;
                }
            }
        }
        return x;
    }

    /** Times to reach milestone k, sorted: from signup or the @after milestone, zero when that came later. */
    private static List<Duration> times(
            List<MilestoneDefinition> catalog, int k, Records records, List<String> members) {
        MilestoneDefinition m = catalog.get(k);
        List<Duration> times = new ArrayList<>();
        for (String u : members) {
            UserRecords r = records.users.get(u);
            Instant at = r.milestones.get(m.name());
            Instant opens = m.after() == null ? r.signup : r.milestones.get(m.after());
            if (at != null && opens != null) {
                Duration d = Duration.between(opens, at);
                times.add(d.isNegative() ? Duration.ZERO : d);
            }
        }
        times.sort(null);
        return times;
    }

    private static Duration percentile(List<Duration> sorted, int pct) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.max(1, (pct * (long) sorted.size() + 99) / 100);
        return sorted.get(rank - 1);
    }

    private static void assertDuration(Duration expected, String actual, String what) {
        if (expected == null) {
            assertEquals(null, actual, what);
            return;
        }
        double e = expected.toNanos() / 1e9;
        double a = Duration.parse(actual).toNanos() / 1e9;
        assertTrue(Math.abs(a - e) <= Math.max(0.01 * e, 0.001), what + ": expected " + expected + ", got " + actual);
    }

    private static void assertShare(long part, long whole, Object actual, String what) {
        if (whole == 0) {
            assertEquals(null, actual, what);
            return;
        }
        assertEquals(Math.round(10_000.0 * part / whole) / 10_000.0, ((Number) actual).doubleValue(), 1e-6, what);
    }

    /**
     * One user's events: searches, a list, an export, searches over several weeks, an invitation,
     * each with a chance and at a random time after signup (none after now).
     */
    private static List<String> history(String u, Instant signup, Instant now, Random random) {
        List<String> items = new ArrayList<>();
        Instant t = signup;
        int searches = random.nextInt(8);
        for (int i = 0; i < searches; i++) {
            t = t.plusSeconds(random.nextInt(i == 0 ? 6 * 86_400 : 2 * 86_400));
            add(items, u, "search_performed", t, now);
        }
        if (random.nextInt(10) < 6) {
            t = t.plusSeconds(random.nextInt(4 * 86_400));
            add(items, u, "list_created", t, now);
        }
        if (random.nextInt(10) < 5) {
            t = t.plusSeconds(random.nextInt(20 * 86_400));
            add(items, u, "export_completed", t, now);
        }
        if (random.nextInt(10) < 4) {
            for (int w = 0; w < 4; w++) {
                add(
                        items,
                        u,
                        "search_performed",
                        t.plus(Duration.ofDays(7L * w)).plusSeconds(random.nextInt(3600)),
                        now);
            }
        }
        if (random.nextInt(10) < 3) {
            add(items, u, "teammate_invited", t.plusSeconds(random.nextInt(10 * 86_400)), now);
        }
        if (items.isEmpty()) {
            add(items, u, "page_viewed", signup.plusSeconds(60), now);
        }
        return items;
    }

    private static void add(List<String> items, String u, String event, Instant at, Instant now) {
        if (at.isBefore(now)) {
            items.add(track(u, event, at.toString()));
        }
    }

    private static void identify(String u, Instant signup, String plan, String source) {
        String traits = "\"createdAt\":\"" + signup + "\"" + (plan == null ? "" : ",\"plan\":\"" + plan + "\"")
                + (source == null ? "" : ",\"source\":\"" + source + "\"");
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{" + traits + "},\"timestamp\":\"" + signup + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
    }

    private static JsonPath get(String path, String k1, Instant v1, String k2, Instant v2, String k3, String v3) {
        var request = admin().queryParam(k1, v1.toString()).queryParam(k2, v2.toString());
        if (k3 != null) {
            request = request.queryParam(k3, v3);
        }
        return request.get(path).then().statusCode(200).extract().jsonPath();
    }

    /** Every user who signed up in [from, to), with their milestones and stalls, read from the tables. */
    private Records load(Instant from, Instant to) throws Exception {
        Records records = new Records();
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, signed_up_at, traits FROM users WHERE signed_up_at >= ? AND signed_up_at < ?")) {
                ps.setObject(1, from.atOffset(ZoneOffset.UTC));
                ps.setObject(2, to.atOffset(ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UserRecords r = new UserRecords();
                        r.signup = rs.getObject(2, OffsetDateTime.class).toInstant();
                        JsonNode traits = JSON.readTree(rs.getString(3));
                        for (String trait : List.of("plan", "source")) {
                            JsonNode value = traits.get(trait);
                            r.traits.put(trait, value == null || value.isNull() ? null : value.asText());
                        }
                        records.users.put(rs.getString(1), r);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, milestone, reached_at FROM milestones");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UserRecords r = records.users.get(rs.getString(1));
                    if (r != null) {
                        r.milestones.put(
                                rs.getString(2),
                                rs.getObject(3, OffsetDateTime.class).toInstant());
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT user_id, milestone FROM stalls");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UserRecords r = records.users.get(rs.getString(1));
                    if (r != null) {
                        r.stalls.add(rs.getString(2));
                    }
                }
            }
        }
        return records;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static final class Records {
        final Map<String, UserRecords> users = new HashMap<>();
    }

    private static final class UserRecords {
        Instant signup;
        final Map<String, String> traits = new HashMap<>();
        final Map<String, Instant> milestones = new HashMap<>();
        final java.util.Set<String> stalls = new java.util.HashSet<>();
    }

    private static final class Expected {
        String previous;
        long reached;
        long previousReached;
        long both;
        long withinWindow;
        long stalled;
        long inProgress;
        long droppedOff;
    }
}
