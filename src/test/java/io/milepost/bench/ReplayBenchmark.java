package io.milepost.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.JourneyEngine;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.milestone.StallSweep;
import io.milepost.replay.JobView;
import io.milepost.replay.ReplayJobs;
import io.milepost.replay.ReplayRunner;
import io.milepost.rules.RuleSet;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replay throughput against bare Drools evaluation of the same users.
 * Run with {@code ./mvnw verify -Pbench -Dtest=ReplayBenchmark} (H2 file database) or with
 * {@code -Pbench,postgresql}.
 *
 * <ol>
 *   <li>N users (bench.replay-users) with exactly E track events each (bench.replay-events-per-user;
 *       the ingest benchmark's names and properties, timestamps in the past 30 days) are created
 *       through {@code POST /v1/batch} under the shipped rules, and swept once (their closed
 *       windows recorded, as a running service would have);</li>
 *   <li>a rule file adding a sixth milestone ("power_search": 4 searches within 2 days) with a
 *       proactive action is made current;</li>
 *   <li>(r) one replay job ({@code fireActions} false), run to the end: users/s; then (r') the same
 *       replay again, which finds nothing new;</li>
 *   <li>(m) the same users' events in memory under the same rules: bare Drools (per event a new
 *       session, insert the facts, fire, dispose) and {@code JourneyEngine.apply} on a fresh
 *       state, best of 3 rounds after a warm-up round, 1 thread.</li>
 * </ol>
 * The test asserts the replay's counts (every user done, none failed, the second run adds nothing),
 * not how fast.
 */
@QuarkusTest
@TestProfile(ReplayBenchProfile.class)
class ReplayBenchmark {
    private static final String POWER_SEARCH = """
            package rules;

            rule "Power Search: four searches"
                @milestone("power_search") @order(6) @within("2d")
            when
                Activity( event == "search_performed", count >= 4 )
            then
                reach("power_search");
            end

            rule "Proactive: power searcher, suggest saved searches"
            when
                Milestone( name == "power_search" )
            then
                trigger("suggest_saved_searches");
            end
            """;

    final int users = Integer.getInteger("bench.replay-users", 5_000);
    final int eventsPerUser = Integer.getInteger("bench.replay-events-per-user", 10);
    final int threads = Integer.getInteger("bench.threads", 2);
    final int batch = Integer.getInteger("bench.batch", 500);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RuleSet rules;

    @Inject
    MilepostConfig config;

    @Inject
    StallSweep sweep;

    @Inject
    ReplayJobs jobs;

    @Inject
    ReplayRunner runner;

    @TestHTTPResource("/v1/batch")
    URI batchUri;

    private final BenchReport table = new BenchReport();
    private BenchClient client;

    @Test
    void benchmark() throws Exception {
        client = new BenchClient(batchUri);
        String db = BenchDatabase.name(dataSource);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        // Warm-up (untimed): ingestion, sweep, replay and Drools on a tenth of the users.
        BenchData warm = BenchData.evenlySpread("warm", Math.max(100, users / 10), eventsPerUser, 7, now);
        BenchDatabase.clear(dataSource);
        useShippedRules();
        ingest(warm);
        sweep.sweep(Instant.now());
        addPowerSearch();
        replay();
        BenchDatabase.clear(dataSource);
        useShippedRules();

        BenchData data = BenchData.evenlySpread("replay", users, eventsPerUser, 42, now);
        long s = System.nanoTime();
        ingest(data);
        double ingestSeconds = seconds(s);
        assertEquals(users, BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM users"), "users created");
        sweep.sweep(Instant.now());
        RuleBook book = addPowerSearch();

        // (r) the replay that adds power_search, and (r') the one that finds nothing new
        s = System.nanoTime();
        JobView first = replay();
        double firstSeconds = seconds(s);
        assertEquals(users, first.done(), "users replayed");
        assertEquals(0, first.counts().failures(), "failures");
        assertEquals(
                first.counts().milestonesAdded(),
                BenchDatabase.count(
                        dataSource, "SELECT COUNT(*) FROM milestones WHERE rules_version = '" + book.version() + "'"),
                "milestones recorded by the replay");
        s = System.nanoTime();
        JobView second = replay();
        double secondSeconds = seconds(s);
        assertEquals(
                0,
                second.counts().milestonesAdded()
                        + second.counts().stallsRecorded()
                        + second.counts().actionsSuppressed(),
                "the second replay adds nothing");

        // (i) an impact preview of a draft (power_search at 6 searches instead of 4) over every user: writes nothing
        long milestonesBefore = BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM milestones");
        s = System.nanoTime();
        String impactId = jobs.createImpact(
                        new io.milepost.replay.ReplayJobs.Drafts(
                                Map.of("power.drl", POWER_SEARCH.replace("count >= 4", "count >= 6")), false),
                        null)
                .id();
        runner.runAvailable();
        double impactSeconds = seconds(s);
        JobView impact = jobs.find(impactId).orElseThrow();
        assertEquals("succeeded", impact.status(), () -> "impact " + impact);
        assertEquals(users, impact.done(), "users previewed");
        assertEquals(
                milestonesBefore,
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM milestones"),
                "the preview wrote nothing");

        // (m) the same users in memory, under the same rules
        Eval eval = inMemory(book, data.inputsByUser());
        // (the replay may add a shipped milestone too: a time-dependent one, reached when the reactive rules run at
        // "now")
        assertEquals(
                BenchDatabase.count(dataSource, "SELECT COUNT(*) FROM milestones WHERE milestone = 'power_search'"),
                eval.powerSearches,
                "JourneyEngine in memory finds the same power searchers");

        report(db, data, ingestSeconds, firstSeconds, first, secondSeconds, eval);
        log(
                "| %-10s | %-60s | %6d | %7.2f | %8.0f | %12.1f%% |",
                BenchProfile.postgres() ? "PostgreSQL" : "H2 (file)",
                "impact preview job (draft power.drl), writes nothing",
                users,
                impactSeconds,
                users / impactSeconds,
                100 * (users / impactSeconds) / eval.bareRate);
        log(
                "impact preview: %s users/s of batch time as the job reports it; %d users would no longer reach power_search",
                impact.usersPerSecond(),
                impact.impact().milestones().get("power_search").noLongerReached());
        write();
        BenchDatabase.clear(dataSource);
    }

    // ---------------------------------------------------------------- rules and replays

    private void useShippedRules() throws IOException {
        Files.deleteIfExists(ReplayBenchProfile.DIR.resolve("power.drl"));
        if (!rules.reload().ok()) {
            throw new IllegalStateException("the shipped rules did not load: " + rules.problems());
        }
    }

    private RuleBook addPowerSearch() throws IOException {
        Files.writeString(ReplayBenchProfile.DIR.resolve("power.drl"), POWER_SEARCH);
        if (!rules.reload().ok()) {
            throw new IllegalStateException("power.drl did not load: " + rules.problems());
        }
        return rules.current();
    }

    /** One replay job without actions, run to the end on this thread. */
    private JobView replay() {
        String id = jobs.create(false).id();
        runner.runAvailable();
        JobView job = jobs.find(id).orElseThrow();
        assertEquals("succeeded", job.status(), () -> "job " + job);
        return job;
    }

    // ---------------------------------------------------------------- (m) in memory

    record Eval(double bareRate, double engineRate, long evaluations, long powerSearches) {}

    private Eval inMemory(RuleBook book, Map<String, List<JourneyEngine.Input>> inputs) {
        int maxFirings = config.rules().maxFirings();
        JourneyEngine engine = new JourneyEngine(maxFirings);
        double bestBare = 0;
        double bestEngine = 0;
        BareDrools.Result bare = null;
        long powerSearches = 0;
        for (int round = 0; round < 4; round++) { // round 0 warms up; the best of the other 3 counts
            long s = System.nanoTime();
            bare = BareDrools.run(book, inputs, maxFirings);
            double bareRate = inputs.size() / seconds(s);
            s = System.nanoTime();
            powerSearches = 0;
            for (Map.Entry<String, List<JourneyEngine.Input>> user : inputs.entrySet()) {
                UserState state = UserState.fresh(user.getKey());
                engine.apply(book, state, user.getValue());
                powerSearches += state.milestones().containsKey("power_search") ? 1 : 0;
            }
            double engineRate = inputs.size() / seconds(s);
            if (round > 0) {
                bestBare = Math.max(bestBare, bareRate);
                bestEngine = Math.max(bestEngine, engineRate);
            }
        }
        return new Eval(bestBare, bestEngine, bare.evaluations(), powerSearches);
    }

    // ---------------------------------------------------------------- report

    private void report(
            String db,
            BenchData data,
            double ingestSeconds,
            double firstSeconds,
            JobView first,
            double secondSeconds,
            Eval eval) {
        String label = BenchProfile.postgres() ? "PostgreSQL" : "H2 (file)";
        double firstRate = users / firstSeconds;
        double secondRate = users / secondSeconds;
        log("");
        log("Milepost replay benchmark: %s", db);
        log(
                "%d users x %d track events (%d events), created through POST /v1/batch in %.1f s and swept; then power_search "
                        + "(4 searches within 2 days, with a proactive action) added to the rules",
                users, eventsPerUser, data.events.size(), ingestSeconds);
        log("");
        log(
                "| database   | phase                                                        |  users | seconds |  users/s | ratio vs bare |");
        log(
                "|------------|--------------------------------------------------------------|-------:|--------:|---------:|--------------:|");
        log(
                "| %-10s | %-60s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "bare Drools: per event new session, facts, fire, dispose",
                users,
                users / eval.bareRate,
                eval.bareRate,
                100.0);
        log(
                "| %-10s | %-60s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "JourneyEngine.apply on a fresh state (in memory)",
                users,
                users / eval.engineRate,
                eval.engineRate,
                100 * eval.engineRate / eval.bareRate);
        log(
                "| %-10s | %-60s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "replay job (fireActions false), adds power_search",
                users,
                firstSeconds,
                firstRate,
                100 * firstRate / eval.bareRate);
        log(
                "| %-10s | %-60s | %6d | %7.2f | %8.0f | %12.1f%% |",
                label,
                "replay job again, nothing new",
                users,
                secondSeconds,
                secondRate,
                100 * secondRate / eval.bareRate);
        log("");
        log(
                "replay / bare = %.1f%% (first run), %.1f%% (second). The first replay added %d milestones, %d suppressed "
                        + "actions and %d stalls, in batches of %d users (milepost.replay.batch-size), 1 thread; the job "
                        + "reported %.0f users/s of batch time. In-memory rates: %d evaluations per round, best of 3 after a "
                        + "warm-up round.",
                100 * firstRate / eval.bareRate,
                100 * secondRate / eval.bareRate,
                first.counts().milestonesAdded(),
                first.counts().actionsSuppressed(),
                first.counts().stallsRecorded(),
                config.replay().batchSize(),
                first.usersPerSecond(),
                eval.evaluations);
    }

    private void log(String format, Object... args) {
        table.log(format, args);
    }

    private void write() throws IOException {
        table.write("bench-replay-results");
    }

    // ---------------------------------------------------------------- helpers

    /** Posts the events through POST /v1/batch from the client threads, each user's events from one client, in time order. */
    private void ingest(BenchData data) throws Exception {
        List<List<byte[]>> streams = data.partitioned(threads, batch).stream()
                .map(stream -> stream.stream().map(BenchData::body).toList())
                .toList();
        assertEquals(data.events.size(), client.post(streams), "events accepted");
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
