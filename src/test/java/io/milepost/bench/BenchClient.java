package io.milepost.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;

/** Sends the benchmarks' traffic to {@code POST /v1/batch} with the configured write key. */
final class BenchClient {
    private static final Pattern ACCEPTED = Pattern.compile("\"accepted\"\\s*:\\s*(\\d+)");

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI batchUri;
    private final String key = writeKey();

    BenchClient(URI batchUri) {
        if (!"127.0.0.1".equals(batchUri.getHost()) && !"localhost".equals(batchUri.getHost())) {
            throw new IllegalStateException("refusing to send traffic to " + batchUri);
        }
        this.batchUri = batchUri;
    }

    /** The first of {@code milepost.auth.write-keys}, or none. */
    static String writeKey() {
        return ConfigProvider.getConfig()
                .getOptionalValue("milepost.auth.write-keys", String.class)
                .map(k -> k.split(",")[0].trim())
                .orElse("");
    }

    /**
     * Posts each stream of request bodies from a thread of its own, in the stream's order, and
     * answers how many messages the service accepted. A non-200 answer fails the benchmark.
     */
    long post(List<List<byte[]>> streams) throws Exception {
        AtomicLong accepted = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(streams.size());
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (List<byte[]> stream : streams) {
                running.add(pool.submit(() -> {
                    for (byte[] body : stream) {
                        accepted.addAndGet(post(body));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return accepted.get();
    }

    private long post(byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(batchUri)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        Matcher m = ACCEPTED.matcher(response.body());
        if (response.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException(
                    "POST /v1/batch answered " + response.statusCode() + ": " + response.body());
        }
        return Long.parseLong(m.group(1));
    }
}
