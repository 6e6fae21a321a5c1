package io.milepost.ingest;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.milepost.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Segment's browser library ({@code @segment/analytics-next}, its published UMD build, unmodified) on
 * a web page of another origin, in headless Chromium, posting to Milepost with a write key: page
 * views, tracks and the identify after signup arrive, the visitor's history becomes the user's, and
 * an origin that is not allowed cannot post.
 */
@QuarkusTest
@TestProfile(BrowserLibraryTest.ShopOrigin.class)
class BrowserLibraryTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String UMD = "META-INF/resources/_static/browser/1.62.0/dist/umd/";
    /**
     * The shop's web server: a page of another origin than Milepost's. Its port is chosen once per JVM
     * (a system property): the test profile is read under another class loader than the test runs in.
     */
    static final int SHOP_PORT = Integer.parseInt(System.getProperties()
            .computeIfAbsent("browser-library-test.shop-port", k -> Integer.toString(freePort()))
            .toString());

    public static class ShopOrigin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "milepost.ingest.allowed-origins", "http://127.0.0.1:" + SHOP_PORT + ", https://other.example.com");
        }
    }

    @TestHTTPResource("/")
    URL milepost;

    static HttpServer shop;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws IOException {
        shop = HttpServer.create(new InetSocketAddress("127.0.0.1", SHOP_PORT), 0);
        shop.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            String type;
            if (path.startsWith("/umd/")) {
                try (InputStream in =
                        BrowserLibraryTest.class.getClassLoader().getResourceAsStream(UMD + path.substring(5))) {
                    if (in == null) {
                        exchange.sendResponseHeaders(404, -1);
                        exchange.close();
                        return;
                    }
                    body = in.readAllBytes();
                }
                type = "text/javascript";
            } else {
                body =
                        "<!doctype html><html><head><title>Shop</title><script src=\"/umd/index.js\"></script></head><body>Shop</body></html>"
                                .getBytes(StandardCharsets.UTF_8);
                type = "text/html; charset=utf-8";
            }
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        shop.start();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory("milepost-shop-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (shop != null) {
            shop.stop(0);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code body} in the page with {@code analytics} loaded and pointed at Milepost; returns what it resolves to. */
    private Object inPage(String body) {
        String load = "const done = arguments[arguments.length - 1];"
                // every answer the page gets from Milepost: a status, or the reason the browser refused it
                + "if (!window.deliveries) { window.deliveries = []; const send = window.fetch;"
                + "  window.fetch = (url, init) => send(url, init).then("
                + "    r => { if (String(url).includes(':" + milepost.getPort()
                + "/')) { window.deliveries.push(r.status); } return r; },"
                + "    e => { if (String(url).includes(':" + milepost.getPort()
                + "/')) { window.deliveries.push('refused: ' + e); } throw e; }); }"
                + "const writeKey = '" + Api.WRITE_KEY + "';"
                + "const milepost = 'http://127.0.0.1:" + milepost.getPort() + "';"
                + "(async () => {"
                + "  const [analytics] = await AnalyticsNext.AnalyticsBrowser.load({writeKey, cdnSettings: {integrations: "
                + "    {'Segment.io': {apiKey: writeKey, apiHost: '127.0.0.1:" + milepost.getPort()
                + "/v1', protocol: 'http'}}}});"
                + body
                + "})().then(done, e => done('failed: ' + e));";
        return ((JavascriptExecutor) browser).executeAsyncScript(load);
    }

    @Test
    void shouldAcceptPagesTracksAndTheIdentifyFromSegmentsBrowserLibraryOnAnotherOrigin() {
        String nina = newUser("browser-nina");
        browser.get("http://127.0.0.1:" + SHOP_PORT
                + "/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring");
        Object anonymousId = inPage(""
                + "  await analytics.page('Pricing', {});"
                + "  for (let i = 0; i < 3; i++) { await analytics.track('search_performed', {query: 'q' + i}); }"
                + "  const anonymousId = analytics.user().anonymousId();"
                + "  await analytics.identify('" + nina + "', {plan: 'free'});"
                + "  await analytics.track('search_performed', {query: 'q3'});"
                + "  await analytics.track('search_performed', {query: 'q4'});"
                + "  await analytics.track('list_created');"
                + "  return anonymousId;");
        assertTrue(
                anonymousId instanceof String && !((String) anonymousId).startsWith("failed"),
                String.valueOf(anonymousId));
        // the browser let the page read every answer (CORS): the library delivered each call at the first try
        Object deliveries = ((JavascriptExecutor) browser).executeScript("return window.deliveries;");
        assertEquals(java.util.Collections.nCopies(8, 200L), deliveries);

        JsonPath user = admin().get("/v1/users/" + nina)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(5, user.getInt("activity.search_performed.count"), user.prettify());
        assertEquals(1, user.getInt("activity.page_viewed.count"));
        assertEquals(List.of("interest", "first_value"), user.getList("milestones.name"));
        assertEquals(List.of(anonymousId), user.getList("mergedIds"));
        assertEquals("newsletter", user.getString("traits.initial_utm_source"));
        assertEquals("spring", user.getString("traits.initial_utm_campaign"));
        assertEquals("free", user.getString("traits.plan"));
        JsonPath timeline = admin().get("/v1/users/" + nina + "/timeline")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("Pricing", timeline.getString("items.find { it.name == 'page_viewed' }.data.name"));
    }

    @Test
    void shouldAnswerAPreflightFromAnAllowedOriginAndRefuseOthers() {
        String u = newUser("browser-fetch");
        given().header("Origin", "https://other.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,authorization")
                .options("/v1/batch")
                .then()
                .statusCode(204)
                .header("Access-Control-Allow-Origin", "https://other.example.com")
                .header("Access-Control-Allow-Methods", "POST, OPTIONS");
        given().header("Origin", "https://evil.example.net")
                .header("Access-Control-Request-Method", "POST")
                .options("/v1/track")
                .then()
                .statusCode(403)
                .body("error", equalTo("forbidden"))
                .header("Access-Control-Allow-Origin", nullValue());
        // admin endpoints never answer another origin
        given().header("Origin", "https://other.example.com")
                .header("Authorization", "Bearer " + Api.ADMIN_KEY)
                .get("/v1/users/" + u)
                .then()
                .statusCode(404)
                .header("Access-Control-Allow-Origin", nullValue());
        // an error an allowed page gets is readable by it, in the error shape
        given().header("Origin", "https://other.example.com")
                .header("Content-Type", "text/plain")
                .body("{\"writeKey\":\"" + Api.WRITE_KEY + "\",\"userId\":\"" + u + "\"}")
                .post("/v1/t")
                .then()
                .statusCode(400)
                .header("Access-Control-Allow-Origin", "https://other.example.com")
                .body("details[0].field", equalTo("event"));
        given().header("Origin", "https://other.example.com")
                .header("Authorization", "Bearer " + Api.WRITE_KEY)
                .contentType("application/json")
                .body("{\"userId\":\"" + u + "\",\"event\":\"page_opened\"}")
                .post("/v1/track")
                .then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", "https://other.example.com");
        browser.get("http://127.0.0.1:" + SHOP_PORT + "/");
        String post =
                "  const r = await fetch(milepost + '/v1/track', {method: 'POST', headers: {'Content-Type': 'application/json',"
                        + "    'Authorization': 'Basic ' + btoa(writeKey + ':')}, body: JSON.stringify({userId: '" + u
                        + "', event: 'search_performed'})});"
                        + "  return r.status + ' ' + (await r.text());";
        Object allowed = inPage(post);
        assertTrue(String.valueOf(allowed).startsWith("200 {\"accepted\":1"), String.valueOf(allowed));

        // the same page served as http://localhost:port is another origin, not in the list
        browser.get("http://localhost:" + SHOP_PORT + "/");
        Object refused = inPage(post);
        assertTrue(String.valueOf(refused).startsWith("failed: TypeError"), String.valueOf(refused));
        admin().get("/v1/users/" + u).then().statusCode(200).body("activity.search_performed.count", equalTo(1));
    }
}
