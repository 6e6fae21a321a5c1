package io.milepost.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP server on 127.0.0.1 that receives webhooks: it keeps every request and answers
 * with whatever the test tells it to. It can be stopped and started again on the same port to
 * play an outage.
 */
public final class Receiver implements AutoCloseable {
    /** One received request: lower-case header names, as the Standard Webhooks library expects. */
    public record Request(String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }
    }

    /** What to answer: a status, headers, a delay before answering, and a body (or none). */
    public record Answer(int status, Map<String, String> headers, long delayMs, String body) {
        public Answer(int status, Map<String, String> headers, long delayMs) {
            this(status, headers, delayMs, null);
        }

        public static Answer status(int status) {
            return new Answer(status, Map.of(), 0);
        }
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Answer> responder = r -> Answer.status(200);
    private HttpServer server;
    private int port;

    public static Receiver start() {
        Receiver r = new Receiver();
        r.listen(0);
        return r;
    }

    private void listen(int onPort) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 200);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request request = new Request(exchange.getRequestURI().toString(), headers, body);
            requests.add(request);
            Answer answer = responder.apply(request);
            if (answer.delayMs() > 0) {
                try {
                    Thread.sleep(answer.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            if (answer.body() == null) {
                exchange.sendResponseHeaders(answer.status(), -1);
            } else {
                byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    /** Answers every request from now on with this function's answer. */
    public Receiver answer(Function<Request, Answer> responder) {
        this.responder = responder;
        return this;
    }

    public Receiver answerStatus(int status) {
        return answer(r -> Answer.status(status));
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Goes down: connections to the port are refused until {@link #restart()}. */
    public void stop() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** Comes back on the same port. */
    public void restart() {
        listen(port);
    }

    @Override
    public void close() {
        stop();
    }
}
