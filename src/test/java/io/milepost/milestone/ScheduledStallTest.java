package io.milepost.milestone;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** End to end with the real scheduler: a 3-second window, swept every second. */
@QuarkusTest
@TestProfile(ScheduledStallTest.ShortWindow.class)
class ScheduledStallTest {

    public static class ShortWindow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Path.of("target/test-rules/short-window").toAbsolutePath();
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("quick.drl"), """
                        package rules;
                        rule "Quick: a search within 3 seconds"
                            @milestone("quick") @order(1) @within("3s")
                        when
                            Activity( event == "search_performed" )
                        then
                            reach("quick");
                        end
                        rule "Too slow"
                        when
                            Stalled( milestone == "quick" )
                        then
                            trigger("nudge");
                        end
                        """);
                return Map.of(
                        "milepost.rules.dir",
                        dir.toString(),
                        "quarkus.scheduler.enabled",
                        "true",
                        "milepost.scheduler.interval",
                        "1s");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void shouldStallAUserOnTimeWithTheRealScheduler() throws InterruptedException {
        String u = newUser("scheduled");
        Instant signup = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + signup + "\"}}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
        Instant closes = signup.plusSeconds(3);
        JsonPath state = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            state = admin().get("/v1/users/" + u).then().extract().jsonPath();
            if (!state.getList("actions").isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        Instant seen = Instant.now();
        assertEquals(List.of("quick"), state.getList("stalled.milestone"), "not stalled in time: " + state.prettify());
        assertEquals(closes.toString(), state.getString("stalled[0].since"));
        assertEquals(List.of("nudge"), state.getList("actions.action"));
        assertTrue(Duration.between(closes, seen).toSeconds() < 15, "stall took until " + seen);
    }
}
