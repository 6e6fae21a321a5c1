package io.milepost.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.support.Receiver;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}), run as a real
 * process: acknowledged events survive {@code kill -9}; without keys it binds to loopback.
 * With {@code -Ppostgresql} it runs against PostgreSQL (system property it.milepost.jdbc-url).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PackagedServiceIT {
    static final String ADMIN = "it-admin-key";
    static final String WRITER = "it-write-key";
    /** A new client for every service start: connections pooled to a killed process must not be reused. */
    HttpClient http;

    final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void shouldKeepAcknowledgedEventsAcrossKillMinusNine() throws Exception {
        Path work = Files.createTempDirectory("milepost-it");
        int port = freePort();
        Process service = start(work, port, true);
        String user = "kill9-" + UUID.randomUUID();
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String event = i == 199 ? "list_created" : "search_performed";
            items.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"track\",\"userId\":\"")
                    .append(user)
                    .append("\",\"event\":\"")
                    .append(event)
                    .append("\",\"messageId\":\"")
                    .append(user)
                    .append('-')
                    .append(i)
                    .append("\",\"timestamp\":\"2026-06-01T10:")
                    .append(String.format("%02d", i / 60))
                    .append(':')
                    .append(String.format("%02d", i % 60))
                    .append("Z\"}");
        }
        HttpResponse<String> ack = post(port, "/v1/batch", WRITER, "{\"batch\":[" + items + "]}");
        assertEquals(200, ack.statusCode(), ack.body());
        assertTrue(ack.body().contains("\"accepted\":200"), ack.body());

        service.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));

        start(work, port, true);
        HttpResponse<String> state = get(port, "/v1/users/" + user, ADMIN);
        assertEquals(200, state.statusCode(), state.body());
        assertTrue(state.body().contains("\"search_performed\":{\"count\":199"), state.body());
        assertTrue(
                state.body().contains("\"name\":\"first_value\",\"reachedAt\":\"2026-06-01T10:03:19Z\""), state.body());
        // the same batch again is all duplicates
        HttpResponse<String> again = post(port, "/v1/batch", WRITER, "{\"batch\":[" + items + "]}");
        assertTrue(again.body().contains("\"accepted\":0,\"duplicates\":200"), again.body());
    }

    @Test
    void shouldCatchUpAWindowThatClosedWhileTheServiceWasDown() throws Exception {
        Path work = Files.createTempDirectory("milepost-it-down");
        int port = freePort();
        Process service = start(work, port, true);
        String user = "down-" + UUID.randomUUID();
        // interest has a 3-day window: sign the user up so that it closes 4 seconds from now
        java.time.Instant signup = java.time.Instant.now()
                .minus(java.time.Duration.ofDays(3))
                .plusSeconds(4)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        HttpResponse<String> ack = post(
                port,
                "/v1/identify",
                WRITER,
                "{\"userId\":\"" + user + "\",\"traits\":{\"createdAt\":\"" + signup + "\"}}");
        assertEquals(200, ack.statusCode(), ack.body());
        service.destroyForcibly();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        // the window closes while nothing runs: wait until the clock is past it
        java.time.Instant close = signup.plus(java.time.Duration.ofDays(3));
        while (!java.time.Instant.now().isAfter(close)) {
            Thread.sleep(Math.max(
                    1,
                    java.time.Duration.between(java.time.Instant.now(), close).toMillis() + 1));
        }

        start(work, port, true);
        String expected = "\"stalled\":[{\"milestone\":\"interest\",\"since\":\""
                + signup.plus(java.time.Duration.ofDays(3)) + "\"}]";
        String body = "";
        for (int i = 0; i < 60 && !body.contains(expected); i++) {
            body = get(port, "/v1/users/" + user, ADMIN).body();
            Thread.sleep(250);
        }
        assertTrue(body.contains(expected), body);
        assertTrue(body.contains("\"action\":\"rescue_interest\""), body);
    }

    @Test
    void shouldListenOnLoopbackOnlyWhenNoKeysAreConfigured() throws Exception {
        Path work = Files.createTempDirectory("milepost-it-open");
        int port = freePort();
        start(work, port, false);
        String log = Files.readString(work.resolve("service.log"));
        assertTrue(log.contains("Listening on: http://127.0.0.1:" + port), log);
        assertTrue(log.contains("no milepost.auth.admin-key or milepost.auth.write-keys configured"), log);
        assertEquals(200, get(port, "/v1/milestones", null).statusCode());
        // a path that cannot be decoded: 400 in the API's shape (io.milepost.Main lets the router see it)
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write("GET /v1/users/a%zz% HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.contains("\"error\":\"invalid_request\"") && answer.contains("\"details\":[]"), answer);
        }
    }

    @Test
    void shouldSendMessagesThatWerePendingAtAKillAfterTheRestart() throws Exception {
        Path work = Files.createTempDirectory("milepost-it-hooks");
        int port = freePort();
        List<String> settings = List.of(
                "-Dmilepost.webhooks.allow-private=true",
                "-Dmilepost.webhooks.retry-schedule=2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
                "-Dmilepost.webhooks.timeout=2s");
        try (Receiver receiver = Receiver.start()) {
            receiver.stop(); // down while the messages are written and first tried
            Process service = start(work, port, true, settings);
            HttpResponse<String> created =
                    post(port, "/v1/webhooks", ADMIN, "{\"url\":\"" + receiver.url("/hook") + "\"}");
            assertEquals(201, created.statusCode(), created.body());
            String secret = created.body().replaceAll(".*\"secret\":\"([^\"]+)\".*", "$1");
            String endpoint = created.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            List<String> users = new ArrayList<>();
            StringBuilder items = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String user = "hook-" + UUID.randomUUID();
                users.add(user);
                items.append(i == 0 ? "" : ",")
                        .append("{\"type\":\"track\",\"userId\":\"")
                        .append(user)
                        .append("\",\"event\":\"search_performed\"}");
            }
            assertEquals(
                    200,
                    post(port, "/v1/batch", WRITER, "{\"batch\":[" + items + "]}")
                            .statusCode());
            String tried = "";
            for (int i = 0; i < 40 && !tried.contains("could not connect"); i++) {
                Thread.sleep(250);
                tried = get(port, "/v1/deliveries?endpoint=" + endpoint, ADMIN).body();
            }
            assertTrue(tried.contains("could not connect"), tried);

            service.destroyForcibly();
            assertTrue(service.waitFor(30, TimeUnit.SECONDS));
            receiver.restart();
            start(work, port, true, settings);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && forUsers(receiver, users).size() < 3) {
                Thread.sleep(100);
            }
            List<Receiver.Request> got = forUsers(receiver, users);
            assertEquals(
                    3, got.stream().map(r -> r.header("webhook-id")).distinct().count(), got.toString());
            for (Receiver.Request r : got) {
                new com.standardwebhooks.Webhook(secret).verify(r.body(), r.headers());
            }
            HttpResponse<String> removed = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/webhooks/" + endpoint))
                            .timeout(Duration.ofSeconds(60))
                            .header("Authorization", "Bearer " + ADMIN)
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, removed.statusCode(), removed.body());
        }
    }

    @Test
    void shouldRecordTheAttemptInFlightAtAGracefulStopAndSendItRightAfterTheRestart() throws Exception {
        Path work = Files.createTempDirectory("milepost-it-drain");
        int port = freePort();
        List<String> settings = List.of(
                "-Dmilepost.webhooks.allow-private=true",
                "-Dmilepost.webhooks.retry-schedule=1s,1s,1s",
                "-Dmilepost.webhooks.timeout=3s");
        AtomicBoolean hanging = new AtomicBoolean(true);
        try (Receiver receiver = Receiver.start()
                .answer(r ->
                        hanging.get() ? new Receiver.Answer(204, Map.of(), 30_000) : Receiver.Answer.status(204))) {
            Process service = start(work, port, true, settings);
            HttpResponse<String> created =
                    post(port, "/v1/webhooks", ADMIN, "{\"url\":\"" + receiver.url("/hook") + "\"}");
            assertEquals(201, created.statusCode(), created.body());
            String endpoint = created.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            String user = "drain-" + UUID.randomUUID();
            assertEquals(
                    200,
                    post(port, "/v1/track", WRITER, "{\"userId\":\"" + user + "\",\"event\":\"search_performed\"}")
                            .statusCode());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline
                    && forUsers(receiver, List.of(user)).isEmpty()) {
                Thread.sleep(50);
            }
            assertEquals(
                    1, forUsers(receiver, List.of(user)).size(), "the attempt is in flight, waiting for an answer");

            service.destroy(); // SIGTERM: a normal stop
            assertTrue(service.waitFor(60, TimeUnit.SECONDS));
            String log = read(work.resolve("service.log"));
            assertTrue(log.contains("webhook delivery stopped: 1 attempts recorded, 0 still in flight"), log);

            hanging.set(false);
            start(work, port, true, settings);
            long restarted = System.nanoTime();
            while (System.nanoTime() - restarted < TimeUnit.SECONDS.toNanos(5)
                    && forUsers(receiver, List.of(user)).size() < 2) {
                Thread.sleep(50);
            }
            assertEquals(2, forUsers(receiver, List.of(user)).size(), "sent again within 5 s of the restart");
            String deliveries = "";
            for (int i = 0; i < 40 && !deliveries.contains("\"status\":\"delivered\""); i++) {
                deliveries =
                        get(port, "/v1/deliveries?endpoint=" + endpoint, ADMIN).body();
                Thread.sleep(100);
            }
            assertTrue(
                    deliveries.contains("\"status\":\"delivered\"") && deliveries.contains("\"attempts\":2"),
                    deliveries);
            String id = deliveries.replaceAll("(?s).*?\"id\":([0-9]+).*", "$1");
            String detail = get(port, "/v1/deliveries/" + id, ADMIN).body();
            assertTrue(
                    detail.contains("timed out after 3000 ms"),
                    "the stopped attempt's outcome was recorded: " + detail);
        }
    }

    private static List<Receiver.Request> forUsers(Receiver receiver, List<String> users) {
        return receiver.requests().stream()
                .filter(r -> users.stream().anyMatch(u -> r.body().contains("\"userId\":\"" + u + "\"")))
                .toList();
    }

    private Process start(Path work, int port, boolean keys) throws Exception {
        return start(work, port, keys, List.of());
    }

    private Process start(Path work, int port, boolean keys, List<String> settings) throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(
                "java",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=0.0.0.0",
                "-Dmilepost.rules.dir=" + Path.of("rules").toAbsolutePath(),
                // as in the test profile: a loaded build machine must not turn a cold first evaluation into a failure
                "-Dmilepost.rules.max-evaluation-time=5s"));
        cmd.addAll(settings);
        if (keys) {
            cmd.add("-Dmilepost.auth.admin-key=" + ADMIN);
            cmd.add("-Dmilepost.auth.write-keys=" + WRITER);
        }
        String jdbc = System.getProperty("it.milepost.jdbc-url", "");
        if (!jdbc.isBlank()) {
            cmd.add("-Dquarkus.datasource.jdbc.url=" + jdbc);
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Process p = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        work.resolve("service.log").toFile()))
                .start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                Thread.sleep(250);
            }
            assertTrue(p.isAlive(), () -> "service died: " + read(work.resolve("service.log")));
        }
        throw new AssertionError("service did not start: " + read(work.resolve("service.log")));
    }

    private HttpResponse<String> post(int port, String path, String key, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
