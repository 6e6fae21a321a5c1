package io.milepost.rules.api;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.rules.RuleSet;
import io.milepost.support.MovableClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/rules/history}: every load attempt, and a refused one that leaves the working rules in force. */
@QuarkusTest
@TestProfile(RuleHistoryApiTest.CopiedRules.class)
class RuleHistoryApiTest {
    @Inject
    MovableClock clock;

    static final Path dir = Path.of("target/test-rules/rule-history").toAbsolutePath();
    static final String BROKEN = """
            package rules;

            rule "Broken"
            when
                Activity( event == "search_performed" count >= 1 )
            then
                reach("broken");
            end
            """;

    @Inject
    RuleSet rules;

    public static class CopiedRules implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(dir);
                try (Stream<Path> old = Files.list(dir)) {
                    for (Path f : old.filter(Files::isRegularFile).toList()) {
                        Files.delete(f);
                    }
                }
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
    void shouldKeepTheWorkingRulesAndRecordARefusedLoadWithItsErrorLine() throws IOException {
        String working =
                admin().get("/v1/rules").then().statusCode(200).extract().path("version");
        // the service's time stands still at a known instant (near now: the events below are sent at now)
        Instant at = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        clock.set(at);
        Files.writeString(dir.resolve("broken.drl"), BROKEN);
        try {
            admin().post("/v1/rules/reload").then().statusCode(422);

            admin().queryParam("limit", 1)
                    .get("/v1/rules/history")
                    .then()
                    .statusCode(200)
                    .body("loads", hasSize(1))
                    .body("loads[0].outcome", equalTo("refused"))
                    .body("loads[0].trigger", equalTo("reload"))
                    .body("loads[0].at", equalTo(at.toString()))
                    .body("loads[0].files", hasItem("broken.drl"))
                    .body("loads[0].files", hasItem("milestones.drl"))
                    .body("loads[0].rules", nullValue())
                    .body("loads[0].activeVersion", equalTo(working))
                    .body("loads[0].errors[0].file", equalTo("broken.drl"))
                    .body("loads[0].errors[0].line", equalTo(5))
                    .body("loads[0].filesChanged.added", equalTo(List.of("broken.drl")));
            // the working rules stay, and still evaluate
            admin().get("/v1/rules").then().body("version", equalTo(working));
            String user = newUser("history");
            sendTrack(user, "search_performed", at.minusSeconds(60)); // before the moved clock, whatever the date
            admin().get("/v1/users/{id}", user).then().body("milestones[0].name", equalTo("interest"));
        } finally {
            clock.reset();
            Files.delete(dir.resolve("broken.drl"));
        }

        rules.reloadIfChanged();
        JsonPath latest = admin().get("/v1/rules/history")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("loaded", latest.getString("loads[0].outcome"));
        assertEquals("file_change", latest.getString("loads[0].trigger"));
        assertEquals(working, latest.getString("loads[0].version"), "the same files, the same version");
        assertEquals(15, latest.getInt("loads[0].rules"));
        assertEquals(List.of(), latest.getList("loads[0].errors"));
        assertEquals(List.of("broken.drl"), latest.getList("loads[0].filesChanged.removed"));
        assertEquals("refused", latest.getString("loads[1].outcome"));
    }

    @Test
    void shouldListTheStartupLoadOldestFirstFromTheEnd() {
        List<Map<String, Object>> loads = admin().get("/v1/rules/history")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("loads");
        Map<String, Object> startup = loads.get(loads.size() - 1);
        assertEquals("startup", startup.get("trigger"));
        assertEquals("loaded", startup.get("outcome"));
        assertEquals(15, startup.get("rules"));
        assertEquals(5, startup.get("milestones"));
        assertEquals(List.of("interest.dslr", "milestones.drl", "proactive.drl", "reactive.drl"), startup.get("files"));
        assertEquals(List.of(), startup.get("errors"));
    }

    @Test
    void shouldRefuseABadLimitOrAnUnknownParameterByName() {
        for (String limit : List.of("0", "51", "many")) {
            admin().queryParam("limit", limit)
                    .get("/v1/rules/history")
                    .then()
                    .statusCode(400)
                    .body("error", equalTo("invalid_request"))
                    .body("details[0].field", equalTo("limit"));
        }
        admin().queryParam("outcome", "refused")
                .get("/v1/rules/history")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("outcome"))
                .body("message", equalTo("unknown query parameter outcome; this endpoint takes limit"));
        admin().queryParam("limit", 50)
                .get("/v1/rules/history")
                .then()
                .statusCode(200)
                .body("loads.findAll { it.outcome == 'loaded' }.errors.flatten()", empty());
    }
}
