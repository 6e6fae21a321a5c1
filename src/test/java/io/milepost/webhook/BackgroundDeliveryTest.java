package io.milepost.webhook;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.milepost.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The dispatcher's own loop, end to end: woken by the commit that wrote the message (the poll
 * interval is set far longer than the test may take), retrying on its own, and surviving cycles
 * that fail.
 */
@QuarkusTest
@TestProfile(BackgroundDeliveryTest.Background.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the first test reads the metrics from zero
class BackgroundDeliveryTest {
    @Inject
    AgroalDataSource dataSource;

    public static class Background implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.scheduler.enabled",
                    "true",
                    "milepost.scheduler.interval",
                    "1h",
                    "milepost.webhooks.poll-interval",
                    "1m",
                    "milepost.webhooks.retry-schedule",
                    "1s,1s");
        }
    }

    @Test
    @Order(1)
    void shouldDeliverRightAfterTheCommitAndRetryOnItsOwn() throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        try (Receiver receiver =
                Receiver.start().answer(r -> Receiver.Answer.status(calls.incrementAndGet() == 1 ? 503 : 200))) {
            String endpoint = admin().body("{\"url\":\"" + receiver.url("/hook") + "\"}")
                    .post("/v1/webhooks")
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getString("id");
            String user = newUser("background");
            Instant sent = Instant.now();

            sendTrack(user, "search_performed", sent);

            waitFor(Duration.ofSeconds(10), () -> receiver.requests().size() >= 2);
            List<Receiver.Request> got = receiver.requests();
            assertEquals(2, got.size());
            assertEquals(got.get(0).header("webhook-id"), got.get(1).header("webhook-id"));
            assertEquals(user, JsonPath.from(got.get(1).body()).getString("data.userId"));
            waitFor(
                    Duration.ofSeconds(5),
                    () -> "delivered"
                            .equals(admin().get("/v1/deliveries?endpoint=" + endpoint)
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getString("deliveries[0].status")));
            assertTrue(Duration.between(sent, Instant.now()).toSeconds() < 30, "well before the 1-minute poll");
            String metrics =
                    admin().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.contains("milepost_webhook_deliveries_total{outcome=\"delivered\"} 1.0"), metrics);
            assertTrue(metrics.contains("milepost_webhook_deliveries_total{outcome=\"retried\"} 1.0"), metrics);
            assertTrue(metrics.contains("milepost_webhook_queue_depth 0.0"), metrics);
            // the loop writes attempt statistics at most once a second, not only at its (1-minute) poll
            waitFor(
                    Duration.ofSeconds(10),
                    () -> admin().get("/v1/webhooks/" + endpoint)
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getInt("health.lastHour.delivered")
                            == 1);
            JsonPath health = admin().get("/v1/webhooks/" + endpoint)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertEquals(1, health.getInt("health.lastHour.retrying"));
            assertEquals(0.5, health.getDouble("health.successRate"), 1e-9);
            admin().delete("/v1/webhooks/" + endpoint).then().statusCode(204);
        }
    }

    @Test
    @Order(2)
    void shouldKeepDeliveringAfterCyclesFailAndReportNotReadyMeanwhile() throws Exception {
        try (Receiver receiver = Receiver.start()) {
            String endpoint = admin().body("{\"url\":\"" + receiver.url("/hook") + "\"}")
                    .post("/v1/webhooks")
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getString("id");
            String user = newUser("survivor");
            // every cycle reads the endpoints: without their table each one fails
            execute("ALTER TABLE webhook_endpoints RENAME TO webhook_endpoints_away");
            try {
                sendTrack(user, "search_performed", Instant.now());
                waitFor(
                        Duration.ofSeconds(20),
                        () -> given().get("/q/health/ready").statusCode() == 503);
                String ready = given().get("/q/health/ready").then().extract().asString();
                assertTrue(ready.contains("webhook delivery") && ready.contains("in a row have failed"), ready);
                assertTrue(receiver.requests().isEmpty());
            } finally {
                execute("ALTER TABLE webhook_endpoints_away RENAME TO webhook_endpoints");
            }

            waitFor(
                    Duration.ofSeconds(40),
                    () -> receiver.requests().stream().anyMatch(r -> r.body().contains("\"userId\":\"" + user + "\"")));
            waitFor(Duration.ofSeconds(10), () -> given().get("/q/health/ready").statusCode() == 200);
            String metrics =
                    admin().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(
                    metrics.lines()
                            .anyMatch(l -> l.startsWith("milepost_webhook_loop_errors_total") && !l.endsWith(" 0.0")),
                    metrics);
            admin().delete("/v1/webhooks/" + endpoint).then().statusCode(204);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void waitFor(Duration max, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + max);
            }
            Thread.sleep(50);
        }
    }
}
