package io.milepost.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.support.Receiver;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium through its chromedriver) against the
 * packaged service, seeded through the API: a product manager's walk through the pages, one step
 * per test, in order, on one service and one browser. Screenshots of each page go to
 * target/screenshots/, with the time each page took to show (timings.txt).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DashboardIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target/screenshots");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] NAMES = {
        "ada", "ben", "cleo", "dev", "eli", "fay", "gus", "hana", "ivo", "jun", "kai", "lea", "max", "noor", "omar",
        "pia", "quin", "rosa", "sam", "tara", "uma", "vic", "wes", "xia"
    };

    PackagedService service;
    Receiver failing;
    ChromeDriver browser;
    WebDriverWait wait;
    Path downloads;
    final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    final Map<String, String> timings = new LinkedHashMap<>();
    /** The one seeded user whose progress the test reads: 4 of the 5 searches First value needs, no list. */
    final String nina = "nina-" + run();

    @BeforeAll
    void startServiceSeedItAndOpenABrowser() throws Exception {
        assertTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        failing = Receiver.start().answerStatus(500);
        service = PackagedService.start(List.of(
                "-Dmilepost.webhooks.allow-private=true",
                "-Dmilepost.webhooks.retry-schedule=1s",
                "-Dmilepost.webhooks.timeout=2s",
                "-Dmilepost.scheduler.interval=1s"));
        seed();
        Files.createDirectories(SHOTS);
        downloads = Files.createTempDirectory("milepost-downloads");
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
                "--user-data-dir=" + Files.createTempDirectory("milepost-chromium"),
                "--window-size=1360,1000",
                "--lang=en-US");
        options.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(driver, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    void stopAll() throws Exception {
        if (!timings.isEmpty()) {
            StringBuilder text = new StringBuilder();
            timings.forEach(
                    (page, ms) -> text.append(page).append('\t').append(ms).append(" ms\n"));
            Files.writeString(SHOTS.resolve("timings.txt"), text);
            System.out.print("Dashboard pages, time to show in the browser:\n" + text);
        }
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (failing != null) {
            failing.close();
        }
    }

    /**
     * 25 users who signed up over seven weeks, on three plans, some reaching Interest and First value,
     * one Value realization, the rest stalling (three of them at Value realization, two weeks after their
     * First value); Nina with 4 searches and no list; an endpoint that answers every message with 500.
     */
    private void seed() throws Exception {
        HttpResponse<String> hook = service.post(
                "/v1/webhooks",
                PackagedService.ADMIN,
                "{\"url\":\"" + failing.url("/crm")
                        + "\",\"description\":\"CRM (always 500)\",\"types\":[\"milestone.reached\"]}");
        assertEquals(201, hook.statusCode(), hook.body());
        List<String> items = new ArrayList<>();
        String[] plans = {"pro", "free", "team"};
        for (int i = 0; i < 24; i++) {
            String user = NAMES[i] + "-" + run();
            Instant signup = now.minus(Duration.ofDays(i * 2L + 1)).minus(Duration.ofHours(1));
            items.add(identify(user, signup, plans[i % 3]));
            if (i % 4 != 3) {
                int searches = i % 4 == 0 ? 5 : 1;
                for (int s = 0; s < searches; s++) {
                    items.add(track(user, "search_performed", signup.plus(Duration.ofHours(2 + s))));
                }
                if (i % 4 == 0) {
                    items.add(track(user, "list_created", signup.plus(Duration.ofHours(9))));
                }
                if (i == 12) {
                    items.add(track(user, "export_completed", signup.plus(Duration.ofDays(2))));
                }
            }
        }
        Instant ninaSignup = now.minus(Duration.ofDays(10));
        items.add(identify(nina, ninaSignup, "pro"));
        for (int s = 0; s < 4; s++) {
            items.add(track(nina, "search_performed", ninaSignup.plus(Duration.ofHours(1 + s))));
        }
        HttpResponse<String> ack =
                service.post("/v1/batch", PackagedService.WRITER, "{\"batch\":[" + String.join(",", items) + "]}");
        assertEquals(200, ack.statusCode(), ack.body());
        // the stall sweep runs every second: wait until Nina's First value window is recorded as closed,
        // and for a delivery to the failing endpoint to have used up its retries
        eventually(
                "Nina stalled at first_value",
                () -> poll("/v1/users/" + nina).path("stalled").toString().contains("first_value"));
        eventually(
                "a stall at value_realization",
                () -> poll("/v1/users/" + NAMES[20] + "-" + run())
                        .path("stalled")
                        .toString()
                        .contains("value_realization"));
        eventually(
                "a failed delivery",
                () -> poll("/v1/deliveries?status=failed&limit=1")
                                .path("deliveries")
                                .size()
                        > 0);
    }

    /** This run's suffix for user ids: a PostgreSQL database keeps the users of earlier runs. */
    private String run() {
        return Long.toString(now.getEpochSecond(), 36);
    }

    private static String identify(String user, Instant signup, String plan) {
        return "{\"type\":\"identify\",\"userId\":\"" + user + "\",\"timestamp\":\"" + signup
                + "\",\"traits\":{\"createdAt\":\"" + signup + "\",\"plan\":\"" + plan + "\",\"email\":\"" + user
                + "@example.com\"}}";
    }

    private static String track(String user, String event, Instant at) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + at
                + "\"}";
    }

    @Test
    @Order(1)
    void shouldAskForTheAdminKeyThenShowTheJourney() {
        browser.get(service.url("/"));
        WebElement key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
        assertTrue(text(By.id("signin-message")).contains("admin key"), text(By.id("signin-message")));
        key.sendKeys(PackagedService.ADMIN);
        browser.findElement(By.cssSelector("#signin button[type=submit]")).click();
        shown("journey");
        assertFalse(browser.findElement(By.id("signin")).isDisplayed());
        // every milestone of the rules, in words, with the cohort the API counts for this range
        String table = text(By.id("funnel-table"));
        for (String milestone : List.of("Interest", "First value", "Value realization")) {
            assertTrue(table.contains(milestone), table);
        }
        JsonNode funnel = api("/v1/kpis/funnel?from=" + param("from") + "&to=" + param("to"));
        assertTrue(
                text(By.cssSelector("#page .lead"))
                        .startsWith(String.format(
                                "%,d users signed up", funnel.path("cohort").asLong())),
                text(By.cssSelector("#page .lead")));
        assertTrue(funnel.path("cohort").asLong() >= 25, funnel.toString());
        assertTrue(chartSeries("funnel-chart").contains("Reached"));
        screenshot("journey");
    }

    @Test
    @Order(2)
    void shouldNarrowTheRangeAndKeepItInTheLink() {
        new Select(browser.findElement(By.id("preset"))).selectByVisibleText("Last 4 weeks");
        String to = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();
        String from = LocalDate.now(ZoneOffset.UTC).plusDays(1).minusDays(28).toString();
        wait.until(d -> browser.getCurrentUrl().contains("from=" + from + "&to=" + to));
        shown("journey");
        long cohort =
                api("/v1/kpis/funnel?from=" + from + "&to=" + to).path("cohort").asLong();
        assertTrue(text(By.cssSelector("#page .lead")).startsWith(String.format("%,d users signed up", cohort)));
        // the link alone brings the same view back
        String link = browser.getCurrentUrl();
        browser.navigate().refresh();
        shown("journey");
        assertEquals(link, browser.getCurrentUrl());
        assertEquals(from, browser.findElement(By.id("from")).getAttribute("value"));
    }

    @Test
    @Order(3)
    void shouldBreakTheJourneyDownByPlan() {
        go("#/journey?from=" + days(-56) + "&to=" + days(1));
        browser.findElement(By.id("breakdown")).sendKeys("plan");
        browser.findElement(By.cssSelector("#breakdown-form button[type=submit]"))
                .click();
        wait.until(d -> browser.getCurrentUrl().contains("breakdown=plan"));
        shown("journey");
        String groups = text(By.id("breakdown-table"));
        for (String plan : List.of("pro", "free", "team")) {
            assertTrue(groups.contains(plan), groups);
        }
        assertTrue(chartSeries("funnel-chart").contains("pro"));
        screenshot("journey-by-plan");
    }

    @Test
    @Order(4)
    void shouldLandOnTheUsersWhoDroppedOffWhenTheirNumberIsClicked() {
        go("#/journey?from=" + days(-56) + "&to=" + days(1));
        // Value realization's row: the "Dropped off" column links to those users (its window counts
        // from First value: they reached First value, and two weeks later still had not exported)
        WebElement row = browser.findElements(By.cssSelector("#funnel-table tbody tr")).stream()
                .filter(r -> r.getText().startsWith("Value realization"))
                .findFirst()
                .orElseThrow();
        WebElement link = row.findElements(By.tagName("td"))
                .get(columnOf("funnel-table", "Dropped off"))
                .findElement(By.tagName("a"));
        String clicked = link.getText();
        link.click();
        shown("users");
        assertTrue(browser.getCurrentUrl().contains("state=dropped_off"), browser.getCurrentUrl());
        assertEquals(clicked, text(By.id("segment-total")));
        assertTrue(
                text(By.cssSelector("#page .lead")).contains("dropped off before (window closed) Value realization"),
                text(By.cssSelector("#page .lead")));
        String users = text(By.id("users-table"));
        for (int i : new int[] {8, 16, 20}) {
            assertTrue(users.contains(NAMES[i] + "-" + run()), users);
        }
        assertFalse(users.contains(NAMES[12] + "-" + run()), "the one who exported is not among them: " + users);
        screenshot("users");
    }

    @Test
    @Order(5)
    void shouldExportTheSegmentAsCsv() throws Exception {
        go("#/users?from=" + days(-56) + "&to=" + days(1)
                + "&milestone=value_realization&reached=false&stalled=value_realization");
        browser.findElement(By.id("export-csv")).click();
        wait.until(d -> text(By.id("export-message")).startsWith("Exported"));
        File csv = downloads.resolve("milepost-users.csv").toFile();
        eventually("the CSV download", csv::isFile);
        List<String> lines = Files.readAllLines(csv.toPath()).stream()
                .filter(l -> !l.isBlank())
                .toList();
        assertTrue(lines.get(0).startsWith("userId,signedUpAt,stage,lastEventAt"), lines.get(0));
        assertEquals(text(By.id("segment-total")), String.format("%,d", lines.size() - 1));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(NAMES[20] + "-" + run() + ",")), lines.toString());
    }

    @Test
    @Order(6)
    void shouldFindAUserByIdAndShowWhatTheyStillNeedForTheNextMilestone() {
        go("#/users?from=" + days(-56) + "&to=" + days(1));
        browser.findElement(By.id("user-search")).sendKeys(nina);
        browser.findElement(By.cssSelector("#search-form button[type=submit]")).click();
        wait.until(d -> browser.getCurrentUrl().contains("q=" + nina));
        shown("users");
        assertEquals("1", text(By.id("segment-total")));
        browser.findElement(By.linkText(nina)).click();
        shown("user");
        WebElement firstValue = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#progress .card[data-milestone=first_value]")));
        String card = firstValue.getText();
        assertTrue(card.contains("search_performed: 4 of 5"), card);
        assertTrue(card.contains("window closed"), card);
        assertTrue(text(By.id("user-traits")).contains("pro"));
        assertTrue(text(By.id("timeline-table")).contains("search_performed"));
        screenshot("user");
    }

    @Test
    @Order(7)
    void shouldCreateATargetAndShowItOnTheJourney() throws Exception {
        go("#/targets?from=" + days(-56) + "&to=" + days(1));
        browser.findElement(By.id("target-name")).sendKeys("Weekly first value");
        WebElement share = browser.findElement(By.id("target-share"));
        share.clear();
        share.sendKeys("55");
        new Select(browser.findElement(By.id("target-milestone"))).selectByVisibleText("First value");
        // a date widget is the browser's own: set its value as a picked date would
        ((JavascriptExecutor) browser)
                .executeScript(
                        "arguments[0].value = arguments[1]",
                        browser.findElement(By.id("target-deadline")),
                        LocalDate.now(ZoneOffset.UTC).plusMonths(4).toString());
        browser.findElement(By.cssSelector("#target-form button[type=submit]")).click();
        wait.until(d -> browser.getCurrentUrl().contains("target="));
        shown("targets");
        String targets = text(By.id("targets-table"));
        assertTrue(targets.contains("Weekly first value") && targets.contains("55% per week"), targets);
        screenshot("targets");

        browser.findElement(By.linkText("Journey")).click();
        shown("journey");
        assertTrue(chartSeries("funnel-chart").contains("Target"));
        WebElement row = browser.findElements(By.cssSelector("#funnel-table tbody tr")).stream()
                .filter(r -> r.getText().startsWith("First value"))
                .findFirst()
                .orElseThrow();
        assertTrue(row.getText().endsWith("55%"), row.getText());
    }

    @Test
    @Order(8)
    void shouldRetryAFailedDelivery() throws Exception {
        go("#/webhooks?from=" + days(-56) + "&to=" + days(1));
        String endpoints = text(By.id("endpoints-table"));
        assertTrue(endpoints.contains("CRM (always 500)"), endpoints);
        assertTrue(
                endpoints.contains(": HTTP 500") && !endpoints.contains("500 HTTP 500"),
                "the last error, said once: " + endpoints);
        WebElement retry = browser.findElement(By.cssSelector("#failing-table button.retry"));
        String delivery = retry.getAttribute("data-delivery");
        int before = api("/v1/deliveries/" + delivery).path("attempts").isArray()
                ? api("/v1/deliveries/" + delivery).path("attempts").size()
                : api("/v1/deliveries/" + delivery).path("attempts").asInt();
        screenshot("webhooks");
        retry.click();
        wait.until(d -> text(By.cssSelector("#failing-table tr[data-delivery='" + delivery + "']"))
                .contains("queued again"));
        eventually("another attempt of delivery " + delivery, () -> {
            JsonNode d = api("/v1/deliveries/" + delivery);
            int attempts = d.path("attempts").isArray()
                    ? d.path("attempts").size()
                    : d.path("attempts").asInt();
            return attempts > before;
        });
    }

    @Test
    @Order(9)
    void shouldShowEveryOtherPage() {
        String range = "?from=" + days(-56) + "&to=" + days(1);
        go("#/cohorts" + range + "&interval=week");
        assertTrue(chartSeries("cohort-heatmap").contains("heatmap"), "a heat map");
        assertTrue(text(By.id("cohort-table")).contains("First value"));
        screenshot("cohorts");
        go("#/time" + range);
        assertFalse(browser.findElements(By.cssSelector("section.histogram")).isEmpty());
        assertTrue(text(By.id("page")).contains("First value: time from signup"), text(By.id("page")));
        screenshot("time-to-value");
        go("#/actions" + range);
        screenshot("actions");
        go("#/rules" + range);
        assertTrue(text(By.id("milestones-table")).contains("7 days"), text(By.id("milestones-table")));
        assertTrue(text(By.id("rules-summary")).startsWith("Version "));
        screenshot("rules");
    }

    // --- helpers

    private void go(String hash) {
        browser.get(service.url("/") + hash);
        shown(hash.substring(2, hash.indexOf('?')));
    }

    /** Waits until the page has drawn what the current link asks for, and notes how long that took. */
    private void shown(String page) {
        wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                .executeScript(
                        "const m = document.getElementById('page');"
                                + "return m.dataset.ready === 'true' && m.dataset.hash === location.hash && m.dataset.page === arguments[0];",
                        page)));
        List<WebElement> errors = browser.findElements(By.cssSelector("#page .error"));
        assertTrue(
                errors.isEmpty(),
                () -> page + " shows an error: " + errors.get(0).getText());
        timings.merge(page, browser.findElement(By.id("page")).getAttribute("data-render-ms"), (a, b) -> a + ", " + b);
    }

    private String text(By by) {
        return browser.findElement(by).getText();
    }

    private String param(String name) {
        String url = browser.getCurrentUrl();
        return url.replaceAll(".*[?&]" + name + "=([^&]*).*", "$1");
    }

    private int columnOf(String table, String header) {
        List<WebElement> headers = browser.findElements(By.cssSelector("#" + table + " thead th"));
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i).getText().equals(header)) {
                return i;
            }
        }
        throw new AssertionError("no column " + header + " in " + table);
    }

    /** The series of a chart, as ECharts holds them: names and types. */
    private String chartSeries(String id) {
        return String.valueOf(((JavascriptExecutor) browser)
                .executeScript(
                        "const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                                + "return c ? JSON.stringify(c.getOption().series.map(s => [s.name, s.type])) : 'no chart';",
                        id));
    }

    private static String days(int fromToday) {
        return LocalDate.now(ZoneOffset.UTC).plusDays(fromToday).toString();
    }

    private void screenshot(String name) {
        try {
            Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode api(String path) {
        try {
            HttpResponse<String> r = service.get(path, PackagedService.ADMIN);
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }

    /**
     * For polling while the service works in the background: an answer other than 200 counts as "not
     * yet" (on a loaded machine a read can time out waiting for a lock the stall sweep holds).
     */
    private JsonNode poll(String path) {
        try {
            HttpResponse<String> r = service.get(path, PackagedService.ADMIN);
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }

    /** Polls a condition with a deadline (30 s), for what the service does in the background. */
    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
