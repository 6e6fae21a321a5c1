package io.milepost.bench;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's pages as a product manager opens them, in headless Chromium (Debian's
 * {@code chromium} and {@code chromium-driver}, through Selenium). Each page is opened anew (a full
 * load of the page and its scripts) and timed twice: by the page itself, from the start of its
 * drawing to the end (its API calls and charts: {@code data-render-ms}), and from the start of the
 * navigation to that end (also loading the page and its scripts).
 */
final class BrowserPages implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** One opening of a page: milliseconds drawing it, and since the navigation started. */
    record Timing(long renderMs, long sinceNavigationMs) {}

    private final ChromeDriver browser;
    private final WebDriverWait wait;
    private final String base;

    BrowserPages(URL base, String adminKey) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the browser phase needs Debian's chromium and chromium-driver: "
                    + "apt-get install -y chromium chromium-driver");
        }
        this.base = base.toString().replaceAll("/$", "");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory("milepost-bench-chromium"),
                "--window-size=1360,1000",
                "--lang=en-US");
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(driver, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(120));
        // signed in for the browser session, as the sign-in form does
        browser.get(this.base + "/");
        browser.executeScript(
                "sessionStorage.setItem('milepost.adminKey', arguments[0]);", adminKey.replace("Bearer ", ""));
    }

    /** Opens {@code #/<page>?<query>} {@code times} times; fails if the page shows an error. */
    List<Timing> open(String page, String query, int times) {
        List<Timing> timings = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            browser.get(base + "/?open=" + System.nanoTime() + "#/" + page + "?" + query);
            wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                    .executeScript(
                            "const m = document.getElementById('page');"
                                    + "return m.dataset.ready === 'true' && m.dataset.hash === location.hash && m.dataset.page === arguments[0];",
                            page)));
            List<WebElement> errors = browser.findElements(By.cssSelector("#page .error"));
            if (!errors.isEmpty()) {
                throw new AssertionError(
                        page + " shows an error: " + errors.get(0).getText());
            }
            long render = Long.parseLong(browser.findElement(By.id("page")).getAttribute("data-render-ms"));
            Object since = browser.executeScript(
                    "const m = document.getElementById('page'); return m.dataset.readyAt ? Number(m.dataset.readyAt) : performance.now();");
            timings.add(new Timing(render, Math.round(((Number) since).doubleValue())));
        }
        return timings;
    }

    @Override
    public void close() {
        browser.quit();
    }
}
