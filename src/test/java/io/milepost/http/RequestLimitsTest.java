package io.milepost.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 11, bounded (loopback only, fixed counts, every wait with a deadline): bodies
 * over their limit are refused without being buffered, bodies that stall are cut off with 408,
 * malformed bodies get a 400 in the error shape, and real clients keep being served meanwhile.
 */
@QuarkusTest
class RequestLimitsTest {
    private static final byte[] CHUNK = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);

    @TestHTTPResource("/")
    URL root;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    void shouldRefuseAnAnnouncedOversizedBodyBeforeReadingAByte() throws IOException {
        try (RawHttp raw = new RawHttp(root.getPort(), 5000)) {
            RawHttp.Answer a = raw.head(
                            "POST /v1/batch HTTP/1.1", "Content-Type: application/json", "Content-Length: 10485760")
                    .read();
            assertEquals(413, a.status(), a.head());
            assertTrue(a.body().contains("\"error\":\"payload_too_large\""), a.body());
            assertTrue(a.head().toLowerCase().contains("connection: close"), a.head());
        }
    }

    @Test
    void shouldStopAChunkedBodyAsSoonAsItPassesTheLimit() throws IOException {
        RawHttp.Answer a = chunkedUpload("/v1/batch", 10 * 1024 * 1024);
        assertEquals(413, a.status(), a.head());
        assertTrue(a.body().contains("payload_too_large"), a.body());
    }

    @Test
    void shouldRefuseAnAdminBodyOverItsCap() throws Exception {
        HttpResponse<String> r = post("/v1/simulate", "{\"events\":[],\"x\":\"" + "a".repeat(1_100_000) + "\"}");
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("payload_too_large"), r.body());
        assertEquals(
                413,
                post(
                                "/v1/track",
                                "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"p\":\"" + "a".repeat(40_000)
                                        + "\"}}")
                        .statusCode());
    }

    @Test
    void shouldAnswer408ToABodyThatStalls() throws IOException {
        try (RawHttp raw = new RawHttp(root.getPort(), 15_000)) {
            raw.head("POST /v1/batch HTTP/1.1", "Content-Type: application/json", "Content-Length: 100")
                    .write("{\"batch\":[".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Answer a = raw.read();
            assertEquals(408, a.status(), a.head());
            assertTrue(a.body().contains("\"error\":\"request_timeout\""), a.body());
        }
    }

    @Test
    void shouldKeepServingTrackWhile250ConnectionsUploadSlowly() throws Exception {
        List<RawHttp> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 250; i++) {
                slow.add(new RawHttp(root.getPort(), 15_000)
                        .head("POST /v1/batch HTTP/1.1", "Content-Type: application/json", "Content-Length: 100")
                        .write("{\"batch\":[".getBytes(StandardCharsets.US_ASCII)));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals(200, track().statusCode());
            }
        } finally {
            for (RawHttp r : slow) {
                r.close();
            }
        }
    }

    @Test
    void shouldKeepServingTrackWhile120UploadsOf10MegabytesAreRefused() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(120);
        try {
            List<Future<RawHttp.Answer>> uploads = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                uploads.add(pool.submit(() -> chunkedUpload("/v1/batch", 10 * 1024 * 1024)));
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(200, track().statusCode());
            }
            for (Future<RawHttp.Answer> f : uploads) {
                // 413 once past the limit, or 408 where this machine starved the sending thread
                int status = f.get(60, TimeUnit.SECONDS).status();
                assertTrue(status == 413 || status == 408, "status " + status);
            }
            assertEquals(200, track().statusCode());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldKeepServingTrackDuringAFloodOfMalformedRequests() throws Exception {
        List<String> bodies = List.of(
                "{", "[]", "\"x\"", "123", "{}{}", "tru", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
        List<String> paths =
                List.of("/v1/track", "/v1/batch", "/v1/identify", "/v1/simulate", "/v1/webhooks", "/v1/replay");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> floods = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                floods.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = seed; i < seed + 50; i++) {
                        String path = paths.get(i % paths.size());
                        String body = bodies.get((i / paths.size() + i) % bodies.size());
                        HttpResponse<String> r = post(path, body);
                        String problem = ErrorContractTest.shapeProblem(r);
                        if (r.statusCode() != 400 || problem != null) {
                            wrong.add(path + " " + body.substring(0, Math.min(20, body.length())) + ": "
                                    + r.statusCode() + " " + problem);
                        }
                    }
                    return wrong;
                }));
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(200, track().statusCode());
            }
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> f : floods) {
                wrong.addAll(f.get(120, TimeUnit.SECONDS));
            }
            assertTrue(wrong.isEmpty(), "malformed requests answered otherwise than 400 in the error shape: " + wrong);
            assertEquals(200, track().statusCode());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sends up to {@code max} bytes chunked, stopping as soon as the server answers; returns the answer. */
    private RawHttp.Answer chunkedUpload(String path, long max) throws IOException {
        try (RawHttp raw = new RawHttp(root.getPort(), 15_000)) {
            raw.head("POST " + path + " HTTP/1.1", "Content-Type: application/json", "Transfer-Encoding: chunked");
            long sent = 0;
            try {
                while (sent < max && !raw.answering()) {
                    raw.chunk(CHUNK);
                    sent += CHUNK.length;
                }
            } catch (IOException closedByServer) {
                // the server answered and closed while we were still sending: read the answer
            }
            return raw.read();
        }
    }

    private HttpResponse<String> track() throws Exception {
        return post("/v1/track", "{\"userId\":\"" + UUID.randomUUID() + "\",\"event\":\"search_performed\"}");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + root.getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + Api.ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
