package io.milepost.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's attacks against the packaged service as the README runs it ({@code java -jar
 * quarkus-run.jar}, a child process on 127.0.0.1): for each attack, the latency of real {@code
 * /v1/track} requests sent meanwhile (p50, p99, failures) and the heap after it, against a baseline
 * measured in the same run. {@code -Dbench.jar=…/quarkus-run.jar} measures another build (e.g. the
 * one before the hardening); {@code -Dbench.heap=512m} sets the child's heap.
 */
class AttackBenchmark {
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*}\\s+([0-9.E+-]+)");
    private static final String WRITE_KEY = "bench-write-key";
    private static final String ADMIN_KEY = "bench-admin-key";
    private static final byte[] CHUNK = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final List<String> lines = new ArrayList<>();
    /** Uploads under way, closed if they still hang when the attack ends. */
    private final List<Socket> uploading = Collections.synchronizedList(new ArrayList<>());

    private String jar;
    private int starts;
    private int port;
    private Process service;

    @Test
    void attacks() throws Exception {
        jar = System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar");
        try {
            start(jar);
            log(
                    "Attack benchmark: %s, heap %s, 2 clients sending /v1/track during each attack",
                    jar, System.getProperty("bench.heap", "512m"));
            log(
                    "%-36s %7s %7s %9s %9s %9s %10s  %-28s %s",
                    "phase",
                    "tracks",
                    "failed",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "heap MB",
                    "service after",
                    "attack answers");
            warmUp();
            phase("baseline (no attack)", stop -> {
                sleepQuietly(10_000);
                return "-";
            });
            phase("120 concurrent 10 MB uploads (10 s)", this::uploads);
            phase("250 slow connections (75 s)", this::slowConnections);
            phase("malformed flood (8 threads, 10 s)", this::malformedFlood);
            log("service alive after the attacks: %s", service.isAlive());
        } finally {
            stopService();
            Path out = Path.of(System.getProperty("bench.target", "target"), "bench-attack-results.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, String.join("\n", lines) + "\n");
        }
    }

    /** 5 s of tracks, unrecorded, so that the baseline does not include the service's warm-up. */
    private void warmUp() throws Exception {
        long end = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < end) {
            post("/v1/track", "{\"userId\":\"warm-" + UUID.randomUUID() + "\",\"event\":\"search_performed\"}", 30);
        }
    }

    interface Attack {
        /** Runs the attack; sets {@code stop} when done. Answers a summary of what the attacker got. */
        String run(AtomicBoolean stop) throws Exception;
    }

    private void phase(String name, Attack attack) throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(clients.submit(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        ok = post(
                                                "/v1/track",
                                                "{\"userId\":\"real-" + UUID.randomUUID()
                                                        + "\",\"event\":\"search_performed\"}",
                                                30)
                                        .statusCode()
                                == 200;
                    } catch (Exception e) {
                        ok = false;
                    }
                    latencies.add((System.nanoTime() - t0) / 1_000_000);
                    if (!ok) {
                        failed.incrementAndGet();
                        sleepQuietly(100);
                    }
                }
                return null;
            }));
        }
        String answers;
        try {
            answers = attack.run(stop);
        } finally {
            stop.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            clients.shutdownNow();
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        String state = state();
        String heap = state.equals("up") ? heapAfterGc() : "n/a";
        log(
                "%-36s %7d %7d %9d %9d %9d %10s  %-28s %s",
                name,
                sorted.size(),
                failed.get(),
                pct(sorted, 0.50),
                pct(sorted, 0.99),
                sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1),
                heap,
                state,
                answers);
        if (!state.equals("up")) {
            // the next attack is measured against a fresh service, as a supervisor would restart it
            stopService();
            start(jar);
            warmUp();
            log("(the service was down after \"%s\": restarted and warmed up for the next phase)", name);
        }
    }

    /** "up" if the service answers ready within 10 s, else what became of it. */
    private String state() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (client.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return "up";
                }
            } catch (IOException e) {
                // not answering (yet)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (!service.isAlive()) {
                return "exited (code " + service.exitValue() + ")";
            }
            sleepQuietly(500);
        }
        return service.isAlive() ? "JVM alive, not answering" : "exited (code " + service.exitValue() + ")";
    }

    private void stopService() throws InterruptedException {
        if (service == null || !service.isAlive()) {
            return;
        }
        service.destroy();
        if (!service.waitFor(20, TimeUnit.SECONDS)) {
            log("the service ignored SIGTERM for 20 s; killed");
            service.destroyForcibly();
            service.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private String uploads(AtomicBoolean stop) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(120);
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        try {
            // 120 uploads at any time, for at least 10 s (as many as the other attacks last)
            long end = System.currentTimeMillis() + 10_000;
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                all.add(pool.submit(() -> {
                    do {
                        outcomes.computeIfAbsent(chunkedUpload(10L * 1024 * 1024), k -> new AtomicLong())
                                .incrementAndGet();
                    } while (System.currentTimeMillis() < end);
                    return null;
                }));
            }
            long deadline = System.currentTimeMillis() + 180_000;
            for (Future<?> f : all) {
                try {
                    f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // a service that stopped reading leaves the upload blocked in a write (sockets have no write
                    // timeout)
                    break;
                }
            }
        } finally {
            int hanging;
            synchronized (uploading) {
                hanging = uploading.size();
                for (Socket s : uploading) {
                    s.close();
                }
            }
            if (hanging > 0) {
                outcomes.put("still sending after 180 s", new AtomicLong(hanging));
            }
            pool.shutdownNow();
        }
        return outcomes.toString();
    }

    /**
     * 250 connections that each announce 100 bytes and send 10, for 75 s (past the 60 s read timeout
     * the service had before issue 11); a connection that is answered or closed is opened again at once,
     * so 250 stay stalled all along. Answers what the stalled uploads got.
     */
    private String slowConnections(AtomicBoolean stop) throws Exception {
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        List<Socket> open = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(250);
        long end = System.currentTimeMillis() + 75_000;
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                all.add(pool.submit(() -> {
                    while (System.currentTimeMillis() < end) {
                        String outcome;
                        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                            open.add(s);
                            OutputStream out = s.getOutputStream();
                            out.write(
                                    ("POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                                    + "Content-Length: 100\r\n\r\n{\"batch\":[")
                                            .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            s.setSoTimeout((int) Math.max(1, end - System.currentTimeMillis()));
                            outcome = statusOf(s);
                            open.remove(s);
                        } catch (IOException e) {
                            outcome = "connection failed";
                            sleepQuietly(100);
                        }
                        if (outcome.equals("no answer yet")) {
                            outcome = "still waiting at the end";
                        }
                        outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
        return outcomes.toString();
    }

    private String malformedFlood(AtomicBoolean stop) throws Exception {
        List<String> bodies = List.of(
                "{",
                "[]",
                "\"x\"",
                "123",
                "{\"batch\":\"x\"}",
                "{\"userId\":[],\"event\":{}}",
                "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
                "{}{}");
        List<String> paths =
                List.of("/v1/track", "/v1/batch", "/v1/identify", "/v1/simulate", "/v1/webhooks", "/v1/replay");
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long end = System.currentTimeMillis() + 10_000;
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                all.add(pool.submit(() -> {
                    for (int i = seed; System.currentTimeMillis() < end; i++) {
                        String status;
                        try {
                            String path = paths.get(i % paths.size());
                            String key =
                                    path.equals("/v1/track") || path.equals("/v1/batch") || path.equals("/v1/identify")
                                            ? WRITE_KEY
                                            : ADMIN_KEY;
                            status = String.valueOf(post(
                                            path, bodies.get((i / paths.size() + i) % bodies.size()), key, 30)
                                    .statusCode());
                        } catch (Exception e) {
                            status = "no answer";
                        }
                        outcomes.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes.toString();
    }

    /** Sends up to {@code max} bytes chunked and unauthenticated; answers the status, or how it ended. */
    private String chunkedUpload(long max) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            uploading.add(s);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long sent = 0;
            try {
                while (sent < max && in.available() == 0) {
                    out.write((Integer.toHexString(CHUNK.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(CHUNK);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    sent += CHUNK.length;
                }
                if (sent >= max) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException closed) {
                // refused while sending
            }
            String status = statusOf(s);
            uploading.remove(s);
            return status;
        } catch (IOException e) {
            return "connection failed";
        }
    }

    private static String statusOf(Socket s) {
        try {
            byte[] head = new byte[12];
            int n = s.getInputStream().readNBytes(head, 0, 12);
            return n == 12 ? new String(head, 9, 3, StandardCharsets.US_ASCII) : "closed without answer";
        } catch (java.net.SocketTimeoutException e) {
            return "no answer yet";
        } catch (IOException e) {
            return "reset";
        }
    }

    private String heapAfterGc() {
        try {
            new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            String.valueOf(service.pid()),
                            "GC.run")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor(30, TimeUnit.SECONDS);
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = HEAP.matcher(r.body());
            double bytes = 0;
            while (m.find()) {
                bytes += Double.parseDouble(m.group(1));
            }
            return String.format(Locale.ROOT, "%.0f", bytes / 1024 / 1024);
        } catch (Exception e) {
            return "n/a (" + e.getClass().getSimpleName() + ")";
        }
    }

    private void start(String jar) throws Exception {
        starts++;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.createDirectories(Path.of(System.getProperty("bench.target", "target")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx" + System.getProperty("bench.heap", "512m"), "-jar", jar)
                .redirectErrorStream(true)
                .redirectOutput(new File(
                        System.getProperty("bench.target", "target"), "bench-attack-service-" + starts + ".log"));
        pb.environment()
                .putAll(Map.of(
                        "QUARKUS_HTTP_PORT",
                        String.valueOf(port),
                        "QUARKUS_HTTP_HOST",
                        "127.0.0.1",
                        "MILEPOST_AUTH_WRITE_KEYS",
                        WRITE_KEY,
                        "MILEPOST_AUTH_ADMIN_KEY",
                        ADMIN_KEY,
                        // a file database, as the README runs it: an in-memory one would count the tracks' rows as heap
                        "QUARKUS_DATASOURCE_JDBC_URL",
                        "jdbc:h2:file:"
                                + Path.of(
                                                System.getProperty("bench.target", "target"),
                                                "bench-attack-db-" + UUID.randomUUID(),
                                                "milepost")
                                        .toAbsolutePath()
                                + ";LOCK_TIMEOUT=10000",
                        "MILEPOST_RULES_DIR",
                        Path.of("rules").toAbsolutePath().toString()));
        service = pb.start();
        long deadline = System.currentTimeMillis() + 600_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (client.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue(service.isAlive(), "the service exited while starting");
            Thread.sleep(500);
        }
        throw new IllegalStateException("the service did not start within 600 s");
    }

    private HttpResponse<String> post(String path, String body, int timeoutSeconds) throws Exception {
        return post(path, body, WRITE_KEY, timeoutSeconds);
    }

    private HttpResponse<String> post(String path, String body, String key, int timeoutSeconds) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(timeoutSeconds))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long pct(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void log(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        lines.add(line);
    }
}
