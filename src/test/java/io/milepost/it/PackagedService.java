package io.milepost.it;

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
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}) as a process on a free
 * port, with an admin key and a write key, on H2 in a temporary folder or on the database of the
 * system property it.milepost.jdbc-url; and a small HTTP client for seeding it through the API.
 */
final class PackagedService implements AutoCloseable {
    static final String ADMIN = "it-admin-key";
    static final String WRITER = "it-write-key";

    final int port;
    final Path work;
    private final Process process;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PackagedService(int port, Path work, Process process) {
        this.port = port;
        this.work = work;
        this.process = process;
    }

    static PackagedService start(List<String> settings) throws Exception {
        Path work = Files.createTempDirectory("milepost-it-dashboard");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(
                "java",
                "-Dquarkus.http.port=" + port,
                "-Dmilepost.rules.dir=" + Path.of("rules").toAbsolutePath(),
                // as in the test profile: a loaded build machine must not turn a cold first evaluation into a failure
                "-Dmilepost.rules.max-evaluation-time=5s",
                "-Dmilepost.auth.admin-key=" + ADMIN,
                "-Dmilepost.auth.write-keys=" + WRITER));
        cmd.addAll(settings);
        String jdbc = System.getProperty("it.milepost.jdbc-url", "");
        if (!jdbc.isBlank()) {
            cmd.add("-Dquarkus.datasource.jdbc.url=" + jdbc);
        }
        cmd.addAll(List.of(
                "-jar",
                Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString()));
        Process p = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("service.log").toFile())
                .start();
        PackagedService service = new PackagedService(port, work, p);
        // generous: on a busy machine (a CI box running other builds) the first start takes minutes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            try {
                if (service.get("/q/health/ready", null).statusCode() == 200) {
                    return service;
                }
            } catch (IOException notYet) {
                // not listening yet: wait for the process a moment, it may also have died
                p.waitFor(250, TimeUnit.MILLISECONDS);
            }
            if (!p.isAlive()) {
                throw new AssertionError("service died: " + service.log());
            }
        }
        p.destroyForcibly();
        throw new AssertionError("service did not start: " + service.log());
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    HttpResponse<String> post(String path, String key, String json) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url(path)))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String log() {
        try {
            return Files.readString(work.resolve("service.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
