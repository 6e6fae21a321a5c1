package io.milepost.webhook;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.milepost.support.MovableClock;
import io.milepost.support.Receiver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks end to end: real receivers on 127.0.0.1, the dispatcher run with explicit times. */
@QuarkusTest
class WebhookDeliveryTest {
    @Inject
    Dispatcher dispatcher;

    @Inject
    MovableClock clock;

    private final List<Receiver> receivers = new ArrayList<>();
    private final List<String> endpoints = new ArrayList<>();

    @BeforeEach
    void dispatchEarlierMessages() {
        // other tests' messages go nowhere once there is no endpoint: each test sees only its own
        while (dispatcher.fanOut() > 0) {
            // next batch
        }
    }

    /** Moves the service's clock to {@code t} and runs the dispatcher there. */
    private void runAt(Instant t) {
        clock.set(t);
        dispatcher.runOnce();
    }

    @AfterEach
    void cleanUp() {
        clock.reset();
        endpoints.forEach(id -> admin().delete("/v1/webhooks/" + id));
        receivers.forEach(Receiver::close);
    }

    @Test
    void shouldSendASignedMessageThatAnIndependentVerifierAccepts() throws Exception {
        Receiver receiver = receiver();
        JsonPath created = register(receiver, "{\"description\":\"CRM\"}");
        String secret = created.getString("secret");
        assertTrue(secret.startsWith("whsec_"), secret);
        String user = newUser("hook");

        sendTrack(user, "search_performed", Instant.now());
        dispatcher.runOnce();

        Receiver.Request request = only(receiver, user);
        new Webhook(secret).verify(request.body(), request.headers());
        JsonPath body = JsonPath.from(request.body());
        assertEquals("milestone.reached", body.getString("type"));
        assertEquals(user, body.getString("data.userId"));
        assertEquals("interest", body.getString("data.milestone"));
        assertNotNull(body.getString("data.payload.reachedAt"));
        assertEquals(user, body.getString("data.user.userId"));
        assertEquals(List.of("interest"), body.getList("data.user.milestones"));
        assertTrue(request.header("webhook-id").startsWith("msg_"));
        assertTrue(request.header("webhook-signature").startsWith("v1,"));
        assertEquals("application/json", request.header("content-type"));
        Webhook wrongSecret = new Webhook(WebhookSignature.newSecret());
        assertThrows(WebhookVerificationException.class, () -> wrongSecret.verify(request.body(), request.headers()));
        String tampered = request.body().replace("interest", "value_growth");
        assertThrows(WebhookVerificationException.class, () -> new Webhook(secret).verify(tampered, request.headers()));

        JsonPath delivery = deliveriesOf(created.getString("id")).get(0);
        assertEquals("delivered", delivery.getString("status"));
        assertEquals(200, delivery.getInt("lastStatusCode"));
        assertEquals(request.header("webhook-id"), delivery.getString("webhookId"));
        assertNull(delivery.get("nextAttemptAt"));
        JsonPath detail = admin().get("/v1/deliveries/" + delivery.getLong("id"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(1, detail.getList("attemptLog").size());
        assertEquals(200, detail.getInt("attemptLog[0].statusCode"));
        assertEquals(1, detail.getList("attempts").size());
        assertEquals(200, detail.getInt("attempts[0].status"));
        assertNull(detail.get("attempts[0].error"));
        assertNotNull(detail.getString("attempts[0].at"));
    }

    @Test
    void shouldNeverShowTheSecretAgainExceptThroughRotation() {
        Receiver receiver = receiver();
        String id = register(receiver, "{}").getString("id");
        assertNull(admin().get("/v1/webhooks/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .get("secret"));
        String listed =
                admin().get("/v1/webhooks").then().statusCode(200).extract().asString();
        assertFalse(listed.contains("whsec_"), listed);
    }

    @Test
    void shouldSignWithBothSecretsWhileASecretIsRotated() throws Exception {
        Receiver receiver = receiver();
        JsonPath created = register(receiver, "{}");
        String id = created.getString("id");
        JsonPath rotated = admin().post("/v1/webhooks/" + id + "/rotate-secret")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        String newSecret = rotated.getString("secret");
        assertTrue(newSecret.startsWith("whsec_") && !newSecret.equals(created.getString("secret")));
        assertTrue(Instant.parse(rotated.getString("previousSecretValidUntil"))
                .isAfter(Instant.now().plus(Duration.ofHours(23))));
        String user = newUser("rotate");

        sendTrack(user, "search_performed", Instant.now());
        dispatcher.runOnce();

        Receiver.Request request = only(receiver, user);
        assertEquals(2, request.header("webhook-signature").split(" ").length, request.header("webhook-signature"));
        new Webhook(created.getString("secret")).verify(request.body(), request.headers());
        new Webhook(newSecret).verify(request.body(), request.headers());

        // once the overlap has ended (the clock moved past it), only the new secret signs
        Instant ended =
                Instant.parse(rotated.getString("previousSecretValidUntil")).plusSeconds(1);
        clock.set(ended);
        String later = newUser("rotated");
        sendTrack(later, "search_performed", ended);
        dispatcher.runOnce();
        Receiver.Request after = only(receiver, later);
        long timestamp = Long.parseLong(after.header("webhook-timestamp"));
        assertEquals(ended.getEpochSecond(), timestamp);
        assertEquals(
                WebhookSignature.header(
                        List.of(newSecret),
                        after.header("webhook-id"),
                        timestamp,
                        after.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                after.header("webhook-signature"));
    }

    @Test
    void shouldDisableAnEndpointThatFailedEveryAttemptForFiveDaysTellTheSubscribersAndResumeWhenEnabled() {
        Receiver failing = receiver().answerStatus(500);
        Receiver watcher = receiver();
        String endpoint = register(failing, "{}").getString("id");
        register(watcher, "{\"types\":[\"webhook.endpoint.disabled\"]}");
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<String> users = List.of(newUser("failing"), newUser("failing"), newUser("failing"));
        List<Instant> times = List.of(start, start.plus(Duration.ofDays(1)), start.plus(Duration.ofDays(5)));

        for (int i = 0; i < 2; i++) {
            clock.set(times.get(i));
            sendTrack(users.get(i), "search_performed", times.get(i));
            runAt(times.get(i));
            assertTrue(
                    admin().get("/v1/webhooks/" + endpoint)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath()
                            .getBoolean("enabled"),
                    "failing for less than five days");
        }
        clock.set(times.get(2));
        sendTrack(users.get(2), "search_performed", times.get(2));
        runAt(times.get(2));

        JsonPath view = admin().get("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertFalse(view.getBoolean("enabled"));
        assertTrue(
                view.getString("disabledReason").contains("failed since " + start), view.getString("disabledReason"));
        int triedBeforeDisable = failing.requests().size();
        runAt(times.get(2).plus(Duration.ofHours(1)));
        assertEquals(triedBeforeDisable, failing.requests().size(), "a disabled endpoint is not tried");
        List<Receiver.Request> notices = watcher.requests();
        assertEquals(1, notices.size(), "the subscriber got the operational message, and nothing else");
        JsonPath notice = JsonPath.from(notices.get(0).body());
        assertEquals("webhook.endpoint.disabled", notice.getString("type"));
        assertEquals(endpoint, notice.getString("data.endpointId"));
        assertEquals(start, Instant.parse(notice.getString("data.failingSince")));
        assertTrue(admin().get("/q/metrics")
                .then()
                .extract()
                .asString()
                .contains("milepost_webhook_endpoints_disabled_total{why=\"failing\"}"));
        assertEquals(
                3,
                deliveriesOf(endpoint).stream()
                        .filter(d -> "pending".equals(d.getString("status")))
                        .count());

        failing.answerStatus(204);
        admin().body("{\"enabled\":true}")
                .patch("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200)
                .body("enabled", org.hamcrest.Matchers.equalTo(true));
        runAt(times.get(2).plus(Duration.ofHours(2)));
        List<JsonPath> after = deliveriesOf(endpoint);
        assertEquals(3, after.size());
        assertTrue(
                after.stream().allMatch(d -> "delivered".equals(d.getString("status"))),
                "the waiting deliveries went out once it was enabled");
    }

    @Test
    void shouldShowAnEndpointsHealthAndEachAttemptOfADelivery() {
        String slowStarter = newUser("health");
        String fine = newUser("health");
        java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
        Receiver receiver = receiver()
                .answer(r -> r.body().contains(slowStarter) && refused.compareAndSet(false, true)
                        ? new Receiver.Answer(503, Map.of(), 0, "busy")
                        : Receiver.Answer.status(200));
        String endpoint = register(receiver, "{}").getString("id");
        JsonPath fresh = admin().get("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(0, fresh.getInt("health.lastHour.delivered"));
        assertNull(fresh.get("health.successRate"));
        assertNull(fresh.get("health.latencyP50Ms"));
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MICROS);
        clock.set(t0);
        sendTrack(slowStarter, "search_performed", t0);
        sendTrack(fine, "search_performed", t0);

        runAt(t0);
        runAt(t0.plusSeconds(10));

        JsonPath health = JsonPath.from(admin().get("/v1/webhooks")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .setRootPath("endpoints.find { it.id == '" + endpoint + "' }.health");
        assertEquals(2, health.getInt("lastHour.delivered"));
        assertEquals(1, health.getInt("lastHour.retrying"));
        assertEquals(0, health.getInt("lastHour.failed"));
        assertEquals(2, health.getInt("lastDay.delivered"));
        assertEquals(0.6667, health.getDouble("successRate"), 1e-9);
        assertTrue(health.getLong("latencyP50Ms") >= 0);
        assertTrue(health.getLong("latencyP99Ms") >= health.getLong("latencyP50Ms"));
        assertEquals(0, health.getInt("waiting"));
        assertNull(health.get("oldestWaitingAt"));
        assertEquals(503, health.getInt("lastError.status"));
        assertEquals(t0, Instant.parse(health.getString("lastError.at")));
        assertTrue(health.getString("lastError.message").contains("busy"), health.getString("lastError.message"));

        JsonPath retried = deliveriesOf(endpoint).stream()
                .filter(d -> d.getInt("attempts") == 2)
                .findFirst()
                .orElseThrow();
        JsonPath detail = admin().get("/v1/deliveries/" + retried.getLong("id"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(2, detail.getList("attempts").size());
        assertEquals(503, detail.getInt("attempts[0].status"));
        assertEquals(t0, Instant.parse(detail.getString("attempts[0].at")));
        assertTrue(detail.getString("attempts[0].error").contains("HTTP 503"));
        assertEquals(200, detail.getInt("attempts[1].status"));
        assertEquals(t0.plusSeconds(10), Instant.parse(detail.getString("attempts[1].at")));
        assertNull(detail.get("attempts[1].error"));

        // a message that keeps failing waits, and shows as the oldest waiting
        receiver.answerStatus(500);
        String stuck = newUser("health");
        Instant t1 = t0.plusSeconds(20);
        clock.set(t1);
        sendTrack(stuck, "search_performed", t1);
        runAt(t1);
        JsonPath later = admin().get("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .setRootPath("health");
        assertEquals(1, later.getInt("waiting"));
        assertEquals(t1, Instant.parse(later.getString("oldestWaitingAt")));
        assertEquals(500, later.getInt("lastError.status"));
        assertEquals(0.5, later.getDouble("successRate"), 1e-9);
    }

    @Test
    void shouldOnlySendTheTypesAndActionsAnEndpointAskedFor() {
        Receiver all = receiver();
        Receiver exports = receiver();
        register(all, "{}");
        register(exports, "{\"types\":[\"action.triggered\"],\"actions\":[\"suggest_export\"]}");
        String user = newUser("filter");
        Instant t = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);

        for (int i = 0; i < 5; i++) {
            sendTrack(user, "search_performed", t.plusSeconds(i));
        }
        sendTrack(user, "list_created", t.plusSeconds(10));
        dispatcher.runOnce();

        List<String> toAll = received(all, user).stream()
                .map(r -> JsonPath.from(r.body()).getString("type") + ":" + subject(r))
                .sorted()
                .toList();
        assertTrue(
                toAll.containsAll(List.of(
                        "milestone.reached:interest",
                        "milestone.reached:first_value",
                        "action.triggered:suggest_lists",
                        "action.triggered:suggest_export")),
                toAll.toString());
        List<String> toExports = received(exports, user).stream()
                .map(WebhookDeliveryTest::subject)
                .toList();
        assertEquals(List.of("suggest_export"), toExports);
        // the actions KPI counts a firing as delivered once an endpoint accepted its message
        String kpis = admin().queryParam("from", t.toString())
                .queryParam("to", t.plusMillis(1).toString())
                .get("/v1/kpis/actions")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertEquals(1, JsonPath.from(kpis).getInt("actions.find { it.action == 'suggest_export' }.delivered"), kpis);
        assertEquals(1, JsonPath.from(kpis).getInt("actions.find { it.action == 'suggest_export' }.triggered"), kpis);
    }

    @Test
    void shouldRetryOnTheScheduleWithTheSameIdThenFailThenRetryByHand() {
        Receiver receiver = receiver().answerStatus(500);
        String endpoint = register(receiver, "{}").getString("id");
        String user = newUser("retry");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        sendTrack(user, "search_performed", now);

        runAt(now);
        JsonPath first = deliveriesOf(endpoint).get(0);
        assertEquals("pending", first.getString("status"));
        assertEquals(1, first.getInt("attempts"));
        assertEquals(500, first.getInt("lastStatusCode"));
        Instant next = Instant.parse(first.getString("nextAttemptAt"));
        // 5s, stretched by up to 20% of jitter
        assertBetween(next, now.plusSeconds(5), now.plusSeconds(6));

        runAt(now.plusSeconds(4));
        assertEquals(1, received(receiver, user).size(), "nothing is sent before the next attempt is due");

        // the default schedule 5s,5m,30m,2h,5h,10h,10h: eight attempts in all
        Instant t = now;
        for (int attempt = 2; attempt <= 8; attempt++) {
            t = Instant.parse(deliveriesOf(endpoint).get(0).getString("nextAttemptAt"));
            runAt(t);
        }
        JsonPath failed = deliveriesOf(endpoint).get(0);
        assertEquals("failed", failed.getString("status"));
        assertEquals(8, failed.getInt("attempts"));
        assertNull(failed.get("nextAttemptAt"));
        List<Receiver.Request> attempts = received(receiver, user);
        assertEquals(8, attempts.size());
        assertEquals(
                1,
                attempts.stream().map(r -> r.header("webhook-id")).distinct().count(),
                "every attempt carries the same webhook-id");
        JsonPath detail = admin().get("/v1/deliveries/" + failed.getLong("id"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(8, detail.getList("attemptLog").size());
        assertEquals(500, detail.getInt("attemptLog[7].statusCode"));
        assertEquals(
                failed.getLong("id"),
                admin().get("/v1/deliveries?status=failed&endpoint=" + endpoint)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getLong("deliveries[0].id"));

        receiver.answerStatus(204);
        assertEquals(
                "pending",
                admin().post("/v1/deliveries/" + failed.getLong("id") + "/retry")
                        .then()
                        .statusCode(202)
                        .extract()
                        .jsonPath()
                        .getString("status"));
        admin().post("/v1/deliveries/" + failed.getLong("id") + "/retry").then().statusCode(409);
        runAt(t.plusSeconds(1));
        JsonPath retried = deliveriesOf(endpoint).get(0);
        assertEquals("delivered", retried.getString("status"));
        assertEquals(204, retried.getInt("lastStatusCode"));
        assertEquals(
                attempts.get(0).header("webhook-id"),
                received(receiver, user).get(8).header("webhook-id"));
        JsonPath log = admin().get("/v1/deliveries/" + failed.getLong("id"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(9, log.getList("attemptLog").size(), "eight failures and the manual retry");
        assertEquals(204, log.getInt("attemptLog[8].statusCode"));
        assertEquals(9, log.getInt("attemptLog[8].attempt"));
    }

    @Test
    void shouldWaitAsLongAsRetryAfterAsksOn429And503() {
        Receiver receiver = receiver().answer(r -> new Receiver.Answer(429, Map.of("Retry-After", "120"), 0));
        String endpoint = register(receiver, "{}").getString("id");
        String user = newUser("slow-down");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        sendTrack(user, "search_performed", now);

        runAt(now);
        assertBetween(
                Instant.parse(deliveriesOf(endpoint).get(0).getString("nextAttemptAt")),
                now.plusSeconds(120),
                now.plusSeconds(121));

        // a Retry-After shorter than the schedule does not make the retry come sooner
        receiver.answer(r -> new Receiver.Answer(503, Map.of("Retry-After", "1"), 0));
        Instant later = now.plusSeconds(121);
        runAt(later);
        JsonPath d = deliveriesOf(endpoint).get(0);
        assertEquals(503, d.getInt("lastStatusCode"));
        assertBetween(
                Instant.parse(d.getString("nextAttemptAt")),
                later.plus(Duration.ofMinutes(5)),
                later.plus(Duration.ofMinutes(6)));
    }

    @Test
    void shouldDisableAnEndpointThatAnswers410AndResumeWhenEnabled() {
        Receiver receiver = receiver().answerStatus(410);
        String endpoint = register(receiver, "{}").getString("id");
        String first = newUser("gone");
        sendTrack(first, "search_performed", Instant.now());
        dispatcher.runOnce();

        JsonPath view = admin().get("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertFalse(view.getBoolean("enabled"));
        assertTrue(view.getString("disabledReason").contains("410"), view.getString("disabledReason"));
        assertEquals("failed", deliveriesOf(endpoint).get(0).getString("status"));

        String second = newUser("gone");
        sendTrack(second, "search_performed", Instant.now());
        dispatcher.runOnce();
        assertEquals(1, receiver.requests().size(), "a disabled endpoint gets nothing more");
        assertEquals(1, deliveriesOf(endpoint).size());

        receiver.answerStatus(200);
        admin().body("{\"enabled\":true}")
                .patch("/v1/webhooks/" + endpoint)
                .then()
                .statusCode(200);
        String third = newUser("gone");
        sendTrack(third, "search_performed", Instant.now());
        dispatcher.runOnce();
        assertEquals(1, received(receiver, third).size());
    }

    @Test
    void shouldDeliverEverythingOnceAReceiverComesBackFromAnOutage() {
        Receiver receiver = receiver();
        String endpoint = register(receiver, "{}").getString("id");
        receiver.stop();
        List<String> users = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < 5; i++) {
            String user = newUser("outage");
            users.add(user);
            sendTrack(user, "search_performed", now);
        }
        runAt(now);
        runAt(now.plusSeconds(7));
        List<JsonPath> failing = deliveriesOf(endpoint);
        assertEquals(5, failing.size());
        failing.forEach(d -> {
            assertEquals("pending", d.getString("status"));
            assertEquals(2, d.getInt("attempts"));
            assertTrue(d.getString("lastError").startsWith("could not connect"), d.getString("lastError"));
        });

        receiver.restart();
        runAt(now.plus(Duration.ofMinutes(7)));

        for (String user : users) {
            assertEquals(1, received(receiver, user).size(), user);
        }
        deliveriesOf(endpoint).forEach(d -> assertEquals("delivered", d.getString("status")));
    }

    @Test
    void shouldNotFollowRedirects() {
        Receiver target = receiver();
        Receiver redirecting =
                receiver().answer(r -> new Receiver.Answer(307, Map.of("Location", target.url("/hook")), 0));
        String endpoint = register(redirecting, "{}").getString("id");
        String user = newUser("redirect");
        sendTrack(user, "search_performed", Instant.now());

        dispatcher.runOnce();

        assertTrue(target.requests().isEmpty());
        JsonPath d = deliveriesOf(endpoint).get(0);
        assertEquals("pending", d.getString("status"));
        assertEquals(307, d.getInt("lastStatusCode"));
        assertTrue(d.getString("lastError").contains("not followed"), d.getString("lastError"));
    }

    @Test
    void shouldKeepAReceiversErrorAnswerAsItCameWithoutSpoilingTheOtherOutcomes() {
        // quotes, braces, commas and backslashes (array syntax on PostgreSQL), non-ASCII, and a NUL,
        // which PostgreSQL refuses in text: it becomes U+FFFD
        String answer = "He said \"no\", {twice}; back\\slash, NUL\0here, ünïcode ✓ 😀";
        Receiver odd = receiver().answer(r -> new Receiver.Answer(500, Map.of(), 0, answer));
        Receiver fine = receiver().answerStatus(204);
        String oddEndpoint = register(odd, "{}").getString("id");
        String fineEndpoint = register(fine, "{}").getString("id");
        String user = newUser("odd-error");
        sendTrack(user, "search_performed", Instant.now());

        // one cycle records both outcomes, in one transaction
        dispatcher.runOnce();

        String expected = "HTTP 500: He said \"no\", {twice}; back\\slash, NUL\uFFFDhere, ünïcode ✓ 😀";
        JsonPath failed = deliveriesOf(oddEndpoint).get(0);
        assertEquals("pending", failed.getString("status"));
        assertEquals(500, failed.getInt("lastStatusCode"));
        assertEquals(expected, failed.getString("lastError"));
        assertNotNull(failed.getString("nextAttemptAt"), "a retry is scheduled");
        JsonPath detail = admin().get("/v1/deliveries/" + failed.getLong("id"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(expected, detail.getString("attemptLog[0].error"));
        assertEquals("delivered", deliveriesOf(fineEndpoint).get(0).getString("status"));
        assertEquals(1, received(fine, user).size());
    }

    @Test
    void shouldGiveUpOnAnAttemptAfterTheTimeout() {
        // the test profile sets milepost.webhooks.timeout=2s
        Receiver receiver = receiver().answer(r -> new Receiver.Answer(200, Map.of(), 4_000));
        String endpoint = register(receiver, "{}").getString("id");
        sendTrack(newUser("timeout"), "search_performed", Instant.now());

        dispatcher.runOnce();

        JsonPath d = deliveriesOf(endpoint).get(0);
        assertEquals("pending", d.getString("status"));
        assertTrue(d.getString("lastError").startsWith("timed out"), d.getString("lastError"));
        assertTrue(d.getInt("lastDurationMs") < 3_500, "stopped at the timeout: " + d.getInt("lastDurationMs"));
    }

    @Test
    void shouldNeverSendTheSameAttemptTwiceWithTwoWorkers() throws Exception {
        Receiver receiver = receiver();
        String endpoint =
                register(receiver, "{\"types\":[\"milestone.reached\"]}").getString("id");
        Set<String> users = new HashSet<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < 150; i++) {
            String user = newUser("pair");
            users.add(user);
            sendTrack(user, "search_performed", now);
        }
        dispatcher.fanOut();

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Integer> worker = () -> dispatcher.deliverDue();
            List<Future<Integer>> done = pool.invokeAll(List.of(worker, worker));
            int attempts = done.get(0).get() + done.get(1).get();
            assertEquals(150, attempts);
        } finally {
            pool.shutdownNow();
        }

        Map<String, Integer> perId = new HashMap<>();
        receiver.requests().stream()
                .filter(r -> users.contains(JsonPath.from(r.body()).getString("data.userId")))
                .forEach(r -> perId.merge(r.header("webhook-id"), 1, Integer::sum));
        assertEquals(150, perId.size());
        assertTrue(perId.values().stream().allMatch(n -> n == 1), perId.toString());
        assertEquals(
                150,
                admin().get("/v1/deliveries?status=delivered&limit=500&endpoint=" + endpoint)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("deliveries")
                        .size());
    }

    @Test
    void shouldRemoveAnEndpointWithItsDeliveries() {
        Receiver receiver = receiver().answerStatus(500);
        String endpoint = register(receiver, "{}").getString("id");
        sendTrack(newUser("removed"), "search_performed", Instant.now());
        dispatcher.runOnce();
        long delivery = deliveriesOf(endpoint).get(0).getLong("id");

        admin().delete("/v1/webhooks/" + endpoint).then().statusCode(204);

        admin().get("/v1/webhooks/" + endpoint).then().statusCode(404);
        admin().get("/v1/deliveries/" + delivery).then().statusCode(404);
        admin().delete("/v1/webhooks/" + endpoint).then().statusCode(404);
    }

    @Test
    void shouldEraseAUsersDeliveriesWithTheUser() {
        Receiver receiver = receiver().answerStatus(500);
        String endpoint = register(receiver, "{}").getString("id");
        String user = newUser("erased");
        sendTrack(user, "search_performed", Instant.now());
        dispatcher.runOnce();
        assertEquals(1, deliveriesOf(endpoint).size());

        admin().delete("/v1/users/" + user).then().statusCode(204);

        assertTrue(deliveriesOf(endpoint).isEmpty());
    }

    @Test
    void shouldRefuseBadRegistrationsNamingTheField() {
        admin().body("{}")
                .post("/v1/webhooks")
                .then()
                .statusCode(400)
                .body("error", org.hamcrest.Matchers.equalTo("invalid_request"))
                .body("details[0].field", org.hamcrest.Matchers.equalTo("url"));
        admin().body("{\"url\":\"ftp://example.com/x\"}")
                .post("/v1/webhooks")
                .then()
                .statusCode(400)
                .body("details[0].field", org.hamcrest.Matchers.equalTo("url"));
        admin().body("{\"url\":\"http://127.0.0.1:9/x\",\"types\":[\"user.created\"]}")
                .post("/v1/webhooks")
                .then()
                .statusCode(400)
                .body("details[0].field", org.hamcrest.Matchers.equalTo("types"));
        admin().body("{\"url\":\"http://127.0.0.1:9/x\",\"actions\":[]}")
                .post("/v1/webhooks")
                .then()
                .statusCode(400)
                .body("details[0].field", org.hamcrest.Matchers.equalTo("actions"));
        admin().body("{\"url\":").post("/v1/webhooks").then().statusCode(400);
        io.milepost.support.Api.writer()
                .body("{\"url\":\"http://127.0.0.1:9/x\"}")
                .post("/v1/webhooks")
                .then()
                .statusCode(403);
        admin().get("/v1/deliveries?status=lost")
                .then()
                .statusCode(400)
                .body("details[0].field", org.hamcrest.Matchers.equalTo("status"));
        admin().get("/v1/deliveries/12x").then().statusCode(404);
        admin().post("/v1/webhooks/ep_missing/rotate-secret").then().statusCode(404);
        assertTrue(
                admin()
                        .get("/v1/webhooks")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("endpoints.url")
                        .stream()
                        .noneMatch(u -> String.valueOf(u).contains(":9/x")));
    }

    private Receiver receiver() {
        Receiver r = Receiver.start();
        receivers.add(r);
        return r;
    }

    private JsonPath register(Receiver receiver, String extraJson) {
        String fields = extraJson.substring(1, extraJson.length() - 1).trim();
        String body =
                "{\"url\":\"" + receiver.url("/hooks/milepost") + "\"" + (fields.isEmpty() ? "" : "," + fields) + "}";
        JsonPath created = admin().body(body)
                .post("/v1/webhooks")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        endpoints.add(created.getString("id"));
        return created;
    }

    private static List<JsonPath> deliveriesOf(String endpoint) {
        JsonPath page = admin().get("/v1/deliveries?endpoint=" + endpoint + "&limit=500")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<JsonPath> out = new ArrayList<>();
        for (int i = 0; i < page.getList("deliveries").size(); i++) {
            out.add(JsonPath.from(page.prettify()).setRootPath("deliveries[" + i + "]"));
        }
        return out;
    }

    private static List<Receiver.Request> received(Receiver receiver, String user) {
        return receiver.requests().stream()
                .filter(r -> user.equals(JsonPath.from(r.body()).getString("data.userId")))
                .toList();
    }

    private static Receiver.Request only(Receiver receiver, String user) {
        List<Receiver.Request> got = received(receiver, user);
        assertEquals(1, got.size(), "messages for " + user);
        return got.get(0);
    }

    private static String subject(Receiver.Request r) {
        JsonPath body = JsonPath.from(r.body());
        return body.getString("data.milestone") != null
                ? body.getString("data.milestone")
                : body.getString("data.action");
    }

    private static void assertBetween(Instant actual, Instant from, Instant to) {
        assertFalse(actual.isBefore(from), actual + " is before " + from);
        assertFalse(actual.isAfter(to), actual + " is after " + to);
    }
}
