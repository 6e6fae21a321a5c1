package io.milepost.rules.api;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.rules.RuleSet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What is loaded, the catalog, and broken or hostile files that must not replace working rules. */
@QuarkusTest
@TestProfile(RulesApiTest.CopiedRules.class)
public class RulesApiTest {
    static final Path dir = Path.of("target/test-rules/rules-api").toAbsolutePath();
    public static final String HOSTILE = """
            package rules;

            rule "Leave"
            when
                Event( name == "search_performed" )
            then
                System.exit(1);
            end
            """;

    @Inject
    RuleSet rules;

    public static class CopiedRules implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(dir);
                try (Stream<Path> files = Files.list(Path.of("rules"))) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                return Map.of("milepost.rules.dir", dir.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void shouldShowTheLoadedRulesAndTheMilestoneCatalog() {
        admin().get("/v1/rules")
                .then()
                .statusCode(200)
                .body("version", notNullValue())
                .body("files", hasItem("milestones.drl"))
                .body(
                        "rules.find { it.name == 'First Value: 5 searches and a list' }.milestone",
                        equalTo("first_value"))
                .body("rules.find { it.name == 'First Value: 5 searches and a list' }.file", equalTo("milestones.drl"))
                .body("errors", hasSize(0));
        admin().get("/v1/milestones")
                .then()
                .statusCode(200)
                .body(
                        "name",
                        equalTo(java.util.List.of(
                                "interest", "first_value", "value_realization", "continued_value", "value_growth")))
                .body("[1].within", equalTo("PT168H"))
                .body("[2].after", equalTo("first_value"))
                .body("[4].rules", hasSize(3));
    }

    @Test
    void shouldRunEveryScenarioFileAndReportAnUnreadableOneByName() throws IOException {
        Path tests = dir.resolve("tests");
        Files.createDirectories(tests);
        Files.copy(
                Path.of("rules/tests/interest-on-first-search.json"),
                tests.resolve("a-good.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(tests.resolve("b-misspelt.json"), """
                {"name": "misspelt", "events": [{"event": "search_performed", "at": "+1h"}],
                 "expected": {"milestones": [{"name": "interest"}]}}
                """);
        Files.writeString(tests.resolve("c-not-json.json"), "{\"name\": ");
        Files.copy(
                Path.of("rules/tests/no-first-value-in-a-week.json"),
                tests.resolve("d-good.json"),
                StandardCopyOption.REPLACE_EXISTING);
        try {
            admin().body("{}")
                    .post("/v1/rules/test")
                    .then()
                    .statusCode(200)
                    .body("passed", equalTo(2))
                    .body("failed", equalTo(2))
                    .body(
                            "results.file",
                            equalTo(List.of(
                                    "tests/a-good.json",
                                    "tests/b-misspelt.json",
                                    "tests/c-not-json.json",
                                    "tests/d-good.json")))
                    .body("results[1].passed", equalTo(false))
                    .body("results[1].failures[0]", org.hamcrest.Matchers.containsString("unknown field \"expected\""))
                    .body("results[2].failures[0]", org.hamcrest.Matchers.containsString("not valid JSON"))
                    .body("results[3].passed", equalTo(true));
        } finally {
            try (Stream<Path> files = Files.list(tests)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(tests);
        }
    }

    @Test
    void shouldListTheFoldersOwnPhrasesAfterTheBuiltInOnes() throws IOException {
        Path ours = dir.resolve("ours.dsl");
        Files.writeString(
                ours,
                "[condition][]The user is a power user=Activity( event == \"search_performed\", count >= 100 )\n");
        try {
            List<Map<String, String>> phrases = admin().get("/v1/rules/phrases")
                    .then()
                    .statusCode(200)
                    .body("errors", hasSize(0))
                    .extract()
                    .jsonPath()
                    .getList("phrases");
            assertEquals("milepost.dsl", phrases.get(0).get("file"));
            Map<String, String> last = phrases.get(phrases.size() - 1);
            assertEquals(
                    Map.of(
                            "section",
                            "condition",
                            "phrase",
                            "The user is a power user",
                            "code",
                            "Activity( event == \"search_performed\", count >= 100 )",
                            "file",
                            "ours.dsl"),
                    last);
        } finally {
            Files.delete(ours);
        }
    }

    @Test
    void shouldKeepTheWorkingRulesWhenAFileDoesNotCompile() throws IOException {
        String before = admin().get("/v1/rules").then().extract().path("version");
        Path broken = dir.resolve("broken.drl");
        Files.writeString(broken, "package rules;\n\nrule \"half written\"\nwhen\n    Activity( event == \n");
        try {
            admin().post("/v1/rules/reload")
                    .then()
                    .statusCode(422)
                    .body("version", equalTo(before))
                    .body("errors[0].file", equalTo("broken.drl"))
                    .body("errors[0].line", equalTo(6))
                    .body("errors[0].message", notNullValue());
            given().get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .body("checks.find { it.name == 'rules' }.data.version", equalTo(before))
                    .body("checks.find { it.name == 'rules' }.data.errors", equalTo(1));
            String u = newUser("still-evaluated");
            writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                    .post("/v1/track")
                    .then()
                    .statusCode(200);
            admin().get("/v1/users/" + u).then().body("milestones.name", hasItem("interest"));
        } finally {
            Files.delete(broken);
        }
        Files.writeString(
                dir.resolve("extra.drl"),
                "package rules;\nrule \"Extra\" when Activity( event == \"x\" ) then trigger(\"x\"); end\n");
        String after = admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("errors", hasSize(0))
                .body("rules.name", hasItem("Extra"))
                .body("history[0].ok", equalTo(true))
                .body("history[1].ok", equalTo(false))
                .extract()
                .path("version");
        assertNotEquals(before, after);
        Files.delete(dir.resolve("extra.drl"));
        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("rules.name", not(hasItem("Extra")))
                .body("version", equalTo(before));
    }

    @Test
    void shouldRefuseAHostileFileDroppedIntoTheFolderAndKeepTheWorkingRules() throws IOException {
        String before = admin().get("/v1/rules").then().extract().path("version");
        Path hostile = dir.resolve("hostile.drl");
        Files.writeString(hostile, HOSTILE);
        try {
            rules.reloadIfChanged(); // what the folder watcher runs every couple of seconds
            admin().get("/v1/rules")
                    .then()
                    .statusCode(200)
                    .body("version", equalTo(before))
                    .body("rules.name", not(hasItem("Leave")))
                    .body("errors", hasSize(1))
                    .body("errors[0].file", equalTo("hostile.drl"))
                    .body("errors[0].line", equalTo(7))
                    .body("errors[0].column", equalTo(5))
                    .body(
                            "errors[0].message",
                            equalTo("\"System.exit\" is not allowed in rules: only the fact model, "
                                    + "java.time, java.util collections, Math and String may be used"))
                    .body("history[0].ok", equalTo(false))
                    .body("history[0].version", nullValue());
            String metrics =
                    given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.contains("milepost_rules_errors 1.0"), "the refusal is a metric too");
            assertTrue(
                    metrics.contains("milepost_rules_loads_total{outcome=\"refused\"}"), "refused loads are counted");
            admin().post("/v1/rules/reload")
                    .then()
                    .statusCode(422)
                    .body("version", equalTo(before))
                    .body("errors[0].file", equalTo("hostile.drl"));
            String u = newUser("after-hostile");
            writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                    .post("/v1/track")
                    .then()
                    .statusCode(200);
            admin().get("/v1/users/" + u).then().body("milestones.name", hasItem("interest"));
        } finally {
            Files.delete(hostile);
        }
        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("version", equalTo(before))
                .body("errors", hasSize(0));
        assertTrue(given().get("/q/metrics").then().extract().asString().contains("milepost_rules_errors 0.0"));
    }

    @Test
    void shouldShowWhichFilesEachLoadAddedChangedOrRemoved() throws IOException {
        Path extra = dir.resolve("history.drl");
        Files.writeString(
                extra, "package rules;\nrule \"History A\" when Activity( event == \"a\" ) then trigger(\"a\"); end\n");
        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("history[0].filesChanged.added", equalTo(List.of("history.drl")))
                .body("history[0].filesChanged.changed", hasSize(0))
                .body("history[0].filesChanged.removed", hasSize(0));
        Files.writeString(
                extra, "package rules;\nrule \"History B\" when Activity( event == \"b\" ) then trigger(\"b\"); end\n");
        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("history[0].filesChanged.added", hasSize(0))
                .body("history[0].filesChanged.changed", equalTo(List.of("history.drl")));
        admin().post("/v1/rules/reload").then().statusCode(200).body("history[0].filesChanged.changed", hasSize(0));
        Files.delete(extra);
        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("history[0].filesChanged.removed", equalTo(List.of("history.drl")))
                .body("history[3].filesChanged.added", equalTo(List.of("history.drl")));
    }

    @Test
    void shouldKeepEvaluatingWithTheWorkingRulesWhileABrokenFileIsDroppedInUnderTraffic() throws Exception {
        String before = admin().get("/v1/rules").then().extract().path("version");
        Traffic traffic = new Traffic(3);
        Path file = dir.resolve("under-traffic.drl");
        String after;
        try {
            traffic.awaitUsers(Traffic.WORKING, 6);

            traffic.phase.set(Traffic.BROKEN);
            Files.writeString(file, "package rules;\n\nrule \"half written\"\nwhen\n    Activity( event == \n");
            admin().post("/v1/rules/reload").then().statusCode(422).body("version", equalTo(before));
            traffic.awaitUsers(Traffic.BROKEN, 6);
            Files.writeString(file, HOSTILE);
            rules.reloadIfChanged();
            admin().get("/v1/rules")
                    .then()
                    .statusCode(200)
                    .body("version", equalTo(before))
                    .body("errors[0].file", equalTo("under-traffic.drl"))
                    .body(
                            "errors[0].message",
                            equalTo("\"System.exit\" is not allowed in rules: only the fact model, "
                                    + "java.time, java.util collections, Math and String may be used"));
            traffic.awaitUsers(Traffic.BROKEN, 12);

            Files.writeString(
                    file,
                    "package rules;\n\nrule \"Welcome\"\nwhen\n    Event( name == \"search_performed\" )\n"
                            + "then\n    trigger(\"welcome\");\nend\n");
            after = admin().post("/v1/rules/reload")
                    .then()
                    .statusCode(200)
                    .body("errors", hasSize(0))
                    .extract()
                    .path("version");
            traffic.phase.set(Traffic.FIXED);
            traffic.awaitUsers(Traffic.FIXED, 6);
        } finally {
            traffic.stop();
            Files.deleteIfExists(file);
            admin().post("/v1/rules/reload").then().statusCode(200);
        }

        assertNotEquals(before, after);
        assertEquals(List.of(200), traffic.statuses.stream().distinct().toList(), "every request answered 200");
        List<String> sentWhileBroken = traffic.users(Traffic.BROKEN);
        List<String> withoutInterest = admin().queryParam("milestone", "interest")
                .queryParam("reached", "false")
                .queryParam("limit", 1000)
                .get("/v1/users")
                .then()
                .statusCode(200)
                .body("nextCursor", nullValue())
                .extract()
                .path("users.userId");
        assertEquals(
                List.of(),
                sentWhileBroken.stream().filter(withoutInterest::contains).toList(),
                "users whose search, sent while the folder held a broken file, reached no milestone");
        admin().get("/v1/users/" + sentWhileBroken.get(0))
                .then()
                .statusCode(200)
                .body("milestones.name", hasItem("interest"));
        for (String u : traffic.users(Traffic.FIXED)) {
            admin().get("/v1/users/" + u)
                    .then()
                    .statusCode(200)
                    .body("milestones.name", hasItem("interest"))
                    .body("actions.action", hasItem("welcome"));
        }
    }

    /** Threads sending one search for a new user per request until stopped, each user filed under the phase it was sent in. */
    static final class Traffic {
        static final int WORKING = 0;
        static final int BROKEN = 1;
        static final int FIXED = 2;

        final AtomicInteger phase = new AtomicInteger(WORKING);
        final List<Integer> statuses = new CopyOnWriteArrayList<>();
        private final Map<Integer, List<String>> usersByPhase = new ConcurrentHashMap<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final ExecutorService pool;
        private final List<Future<?>> senders = new ArrayList<>();

        Traffic(int threads) {
            pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                senders.add(pool.submit(this::send));
            }
        }

        private void send() {
            while (!stopped.get()) {
                int p = phase.get();
                String u = newUser("traffic-" + p);
                statuses.add(writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                        .post("/v1/track")
                        .statusCode());
                usersByPhase
                        .computeIfAbsent(p, k -> new CopyOnWriteArrayList<>())
                        .add(u);
            }
        }

        List<String> users(int p) {
            return usersByPhase.getOrDefault(p, List.of());
        }

        void awaitUsers(int p, int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (users(p).size() < count) {
                if (System.nanoTime() > deadline || senders.stream().anyMatch(Future::isDone)) {
                    throw new AssertionError("traffic stalled in phase " + p + ": " + users(p).size() + " users");
                }
                Thread.sleep(20);
            }
        }

        void stop() throws Exception {
            stopped.set(true);
            for (Future<?> f : senders) {
                f.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();
        }
    }
}
