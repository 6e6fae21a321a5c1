package io.milepost.user;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.kpi.KpiRecounts;
import io.milepost.milestone.StallSweep;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /v1/users as segments: validation, filters, totals, paging and the CSV export. */
@QuarkusTest
class SegmentApiTest {
    @Inject
    StallSweep sweep;

    @Inject
    KpiRecounts recounts;

    @Inject
    DataSource dataSource;

    @Inject
    Segments segments;

    @TestHTTPResource("/v1/users")
    URL users;

    String prefix;
    String a;
    String b;
    String c;

    static void identify(String u, String createdAt, String traitsJson) {
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + createdAt + "\"," + traitsJson + "},"
                        + "\"timestamp\":\"" + createdAt + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
    }

    @BeforeEach
    void threeUsers() {
        prefix = "seg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        a = prefix + "a";
        b = prefix + "b";
        c = prefix + "c";
        identify(a, "2024-05-01T10:00:00Z", "\"plan\":\"pro\",\"seats\":3,\"email\":\"=HYPERLINK(\\\"http://x\\\")\"");
        identify(b, "2024-05-02T10:00:00Z", "\"plan\":\"free\",\"email\":\"b,\\\"q\\\"@x.io\"");
        identify(c, "2024-05-10T10:00:00Z", "\"plan\":\"pro\"");
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            items.add(track(a, "search_performed", "2024-05-01T11:0" + i + ":00Z"));
        }
        items.add(track(a, "list_created", "2024-05-01T11:10:00Z"));
        items.add(track(b, "search_performed", "2024-05-02T11:00:00Z"));
        writer().body(batch(items.toArray(String[]::new)))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        sweep.sweep(Instant.now());
    }

    private List<String> ids(String... query) {
        var request = admin().queryParam("q", prefix);
        for (int i = 0; i < query.length; i += 2) {
            request = request.queryParam(query[i], query[i + 1]);
        }
        JsonPath page =
                request.get("/v1/users").then().statusCode(200).extract().jsonPath();
        List<String> ids = page.getList("users.userId");
        assertEquals(ids.size(), page.getInt("total"), "a single page carries the whole segment");
        return ids;
    }

    @Test
    void shouldFilterByMilestoneStallSignupTraitAndIdPrefix() {
        assertEquals(List.of(a, b, c), ids());
        assertEquals(List.of(a), ids("milestone", "first_value"));
        assertEquals(List.of(a), ids("milestone", "first_value", "reached", "true"));
        assertEquals(List.of(b, c), ids("milestone", "first_value", "reached", "false"));
        assertEquals(List.of(c), ids("stalled", "interest"));
        assertEquals(List.of(b, c), ids("stalled", "first_value"));
        assertEquals(List.of(b, c), ids("signedUpFrom", "2024-05-02"));
        assertEquals(List.of(a), ids("signedUpTo", "2024-05-02"));
        assertEquals(
                List.of(b), ids("signedUpFrom", "2024-05-02T00:00:00Z", "signedUpTo", "2024-05-03T00:00:00+00:00"));
        assertEquals(List.of(a, c), ids("trait.plan", "pro"));
        assertEquals(List.of(c), ids("trait.plan", "pro", "milestone", "interest", "reached", "false"));
        assertEquals(List.of(a), ids("trait.plan", "pro", "trait.seats", "3"));
        assertEquals(List.of(b), ids("trait.email", "b,\"q\"@x.io"));
        assertEquals(List.of(), ids("trait.plan", "team"));
        admin().queryParam("q", prefix + "a")
                .get("/v1/users")
                .then()
                .statusCode(200)
                .body("total", equalTo(1))
                .body("users[0].userId", equalTo(a))
                .body("users[0].signedUpAt", equalTo("2024-05-01T10:00:00Z"))
                .body("users[0].stage", equalTo("first_value"))
                .body("users[0].traits.plan", equalTo("pro"))
                .body("nextCursor", equalTo(null));
        // a prefix is a prefix, not a pattern
        admin().queryParam("q", "seg-%").get("/v1/users").then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void shouldCountASegmentOfOneMilestoneFromTheKpiFiguresAsExactlyAsTheUsers() throws Exception {
        // a day of its own: the segment's total comes from the KPI figures, its page from the users
        Instant day = Instant.parse("2019-01-07T00:00:00Z").plus(Duration.ofDays(new java.util.Random().nextInt(2000)));
        String p = "segk-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (int i = 0; i < 3; i++) {
            identify(p + i, day.plus(Duration.ofHours(i + 1)).toString(), "\"plan\":\"pro\"");
        }
        writer().body(batch(track(
                        p + 0, "search_performed", day.plus(Duration.ofHours(2)).toString())))
                .post("/v1/batch")
                .then()
                .statusCode(200);
        sweep.sweep(Instant.now());
        String from = day.toString();
        String to = day.plus(Duration.ofDays(1)).toString();
        for (String phase : List.of("counted from the records", "kept")) {
            assertEquals(3, total("signedUpFrom", from, "signedUpTo", to), phase);
            assertEquals(1, total("milestone", "interest", "signedUpFrom", from, "signedUpTo", to), phase);
            assertEquals(
                    2,
                    total("milestone", "interest", "reached", "false", "signedUpFrom", from, "signedUpTo", to),
                    phase);
            assertEquals(2, total("stalled", "interest", "signedUpFrom", from, "signedUpTo", to), phase);
            assertEquals(
                    List.of(p + 1, p + 2),
                    admin().queryParam("milestone", "interest")
                            .queryParam("reached", "false")
                            .queryParam("signedUpFrom", from)
                            .queryParam("signedUpTo", to)
                            .get("/v1/users")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath()
                            .getList("users.userId"));
            try (Connection conn = dataSource.getConnection();
                    Statement st = conn.createStatement();
                    var rs = st.executeQuery("SELECT COUNT(*) FROM users")) {
                rs.next();
                assertEquals(rs.getLong(1), total(), "the whole base, " + phase);
            }
            while (recounts.fold(Instant.now()) > 0) {
                // every marked day
            }
        }
    }

    @Test
    void shouldListTheUsersBehindEachFunnelFigureOfAMilestoneAsTheFunnelCountsThem() {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String p = "segs-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> items = new ArrayList<>();
        // 1: first value within its week, 10 days ago; the export window (14 days from it) still open
        identify(p + 1, now.minus(Duration.ofDays(10)).toString(), "\"plan\":\"pro\"");
        for (int i = 0; i < 5; i++) {
            items.add(track(
                    p + 1,
                    "search_performed",
                    now.minus(Duration.ofDays(10)).plusSeconds(3600 + i).toString()));
        }
        items.add(track(
                p + 1,
                "list_created",
                now.minus(Duration.ofDays(10)).plusSeconds(3700).toString()));
        // 2: interest after its 3 days; first value's week closed without it
        identify(p + 2, now.minus(Duration.ofDays(10)).toString(), "\"plan\":\"pro\"");
        items.add(track(p + 2, "search_performed", now.minus(Duration.ofDays(5)).toString()));
        // 3: signed up yesterday, nothing yet
        identify(p + 3, now.minus(Duration.ofDays(1)).toString(), "\"plan\":\"pro\"");
        // 4: signed up 10 days ago, nothing since
        identify(p + 4, now.minus(Duration.ofDays(10)).toString(), "\"plan\":\"pro\"");
        // 5: first value 40 days ago, no export within the 14 days after it
        identify(p + 5, now.minus(Duration.ofDays(40)).toString(), "\"plan\":\"pro\"");
        for (int i = 0; i < 5; i++) {
            items.add(track(
                    p + 5,
                    "search_performed",
                    now.minus(Duration.ofDays(40)).plusSeconds(3600 + i).toString()));
        }
        items.add(track(
                p + 5,
                "list_created",
                now.minus(Duration.ofDays(40)).plusSeconds(3700).toString()));
        writer().body(batch(items.toArray(String[]::new)))
                .post("/v1/batch")
                .then()
                .statusCode(200);

        String within = "reached_within_window";
        assertEquals(List.of(p + 1, p + 5), idsOf(p, "milestone", "interest", "state", within));
        assertEquals(List.of(p + 3), idsOf(p, "milestone", "interest", "state", "in_progress"));
        assertEquals(
                List.of(p + 4), idsOf(p, "milestone", "interest", "state", "dropped_off"), "no milestone before it");
        assertEquals(List.of(p + 1, p + 5), idsOf(p, "milestone", "first_value", "state", within));
        assertEquals(List.of(p + 3), idsOf(p, "milestone", "first_value", "state", "in_progress"));
        assertEquals(
                List.of(p + 2),
                idsOf(p, "milestone", "first_value", "state", "dropped_off"),
                "4 never reached interest, the milestone before it: not a drop-off from it");
        assertEquals(List.of(), idsOf(p, "milestone", "value_realization", "state", within));
        assertEquals(
                List.of(p + 1),
                idsOf(p, "milestone", "value_realization", "state", "in_progress"),
                "its window counts from first value");
        assertEquals(List.of(p + 5), idsOf(p, "milestone", "value_realization", "state", "dropped_off"));
        assertEquals(
                List.of(),
                idsOf(p, "milestone", "value_growth", "state", "dropped_off"),
                "no window: nobody drops off");

        // over everyone of a signup range: the segment's total is the funnel's figure, and lists that many users
        String from = now.minus(Duration.ofDays(41)).toString();
        String to = now.plusSeconds(1).toString();
        JsonPath funnel = admin().queryParam("from", from)
                .queryParam("to", to)
                .get("/v1/kpis/funnel")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<String> names = funnel.getList("milestones.milestone");
        for (int k = 0; k < names.size(); k++) {
            for (String[] figure : new String[][] {
                {within, "reachedWithinWindow"}, {"in_progress", "inProgress"}, {"dropped_off", "droppedOff"}
            }) {
                JsonPath page = admin().queryParam("milestone", names.get(k))
                        .queryParam("state", figure[0])
                        .queryParam("signedUpFrom", from)
                        .queryParam("signedUpTo", to)
                        .queryParam("limit", 1000)
                        .get("/v1/users")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
                String what = names.get(k) + " " + figure[0];
                assertEquals(
                        funnel.getLong("milestones[" + k + "]." + figure[1]),
                        page.getLong("total"),
                        what + ": the funnel's figure");
                assertEquals(page.getLong("total"), page.getList("users").size(), what + ": the users listed");
            }
        }
    }

    private List<String> idsOf(String prefix, String... query) {
        String saved = this.prefix;
        this.prefix = prefix;
        try {
            return ids(query);
        } finally {
            this.prefix = saved;
        }
    }

    private long total(String... query) {
        var request = admin().queryParam("limit", 1);
        for (int i = 0; i < query.length; i += 2) {
            request = request.queryParam(query[i], query[i + 1]);
        }
        return request.get("/v1/users")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("total");
    }

    @Test
    void shouldPageWithACursorAndCarryTheTotalOnEveryPage() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = admin().queryParam("q", prefix).queryParam("limit", 2);
            if (cursor != null) {
                request = request.queryParam("cursor", cursor);
            }
            JsonPath page =
                    request.get("/v1/users").then().statusCode(200).extract().jsonPath();
            assertEquals(3, page.getInt("total"));
            seen.addAll(page.getList("users.userId"));
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        assertEquals(List.of(a, b, c), seen);
    }

    @Test
    void shouldRefuseUnknownMilestonesParametersAndValuesNamingThem() {
        admin().queryParam("milestone", "nope")
                .queryParam("reached", "false")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("details.field", contains("milestone"))
                .body("message", startsWith("milestone: unknown milestone 'nope'"));
        admin().queryParam("stalled", "nope")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("stalled"));
        admin().queryParam("milestone", "interest")
                .queryParam("colour", "red")
                .queryParam("segment", "x")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("colour", "segment"));
        admin().queryParam("reached", "maybe")
                .queryParam("milestone", "interest")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("reached"));
        admin().queryParam("reached", "true")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("reached"));
        admin().queryParam("state", "in_progress")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("state"));
        admin().queryParam("milestone", "interest")
                .queryParam("state", "lost")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("state"));
        admin().queryParam("milestone", "interest")
                .queryParam("state", "in_progress")
                .queryParam("reached", "false")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("reached"));
        admin().queryParam("signedUpFrom", "May")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("signedUpFrom"));
        admin().queryParam("signedUpFrom", "2024-05-02")
                .queryParam("signedUpTo", "2024-05-01")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("signedUpTo"));
        admin().queryParam("trait.pl'an", "pro")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("trait.pl'an"));
        admin().queryParam("format", "xml")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("format"));
        admin().queryParam("format", "csv")
                .queryParam("limit", "5")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("limit"));
        admin().queryParam("limit", "5000")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("limit"));
        admin().queryParam("cursor", "%%%")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .body("details.field", contains("cursor"));
        admin().header("Accept", "text/csv")
                .queryParam("milestone", "nope")
                .get("/v1/users")
                .then()
                .statusCode(400)
                .contentType(startsWith("application/json"))
                .body("details.field", hasItem("milestone"));
    }

    @Test
    void shouldExportTheSegmentAsEscapedCsvWithRequestedTraits() {
        String expected = "userId,signedUpAt,stage,lastEventAt,email,plan\r\n"
                + a + ",2024-05-01T10:00:00Z,first_value,2024-05-01T11:10:00Z,\"'=HYPERLINK(\"\"http://x\"\")\",pro\r\n"
                + b + ",2024-05-02T10:00:00Z,interest,2024-05-02T11:00:00Z,\"b,\"\"q\"\"@x.io\",free\r\n"
                + c + ",2024-05-10T10:00:00Z,,,,pro\r\n";
        String byFormat = admin().queryParam("q", prefix)
                .queryParam("format", "csv")
                .queryParam("traits", "email,plan")
                .get("/v1/users")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/csv"))
                .header("Content-Disposition", startsWith("attachment"))
                .extract()
                .asString();
        assertEquals(expected, byFormat);
        String byAccept = admin().header("Accept", "text/csv")
                .queryParam("q", prefix)
                .queryParam("traits", "email,plan")
                .get("/v1/users")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/csv"))
                .extract()
                .asString();
        assertEquals(expected, byAccept);
        String filtered = admin().queryParam("q", prefix)
                .queryParam("format", "csv")
                .queryParam("stalled", "interest")
                .get("/v1/users")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertEquals("userId,signedUpAt,stage,lastEventAt\r\n" + c + ",2024-05-10T10:00:00Z,,\r\n", filtered);
    }

    @Test
    void shouldNeutraliseFormulasAndQuoteFieldsAsRfc4180Says() {
        assertEquals("'=1+1", CsvWriter.field("=1+1"));
        assertEquals("'+33 1 23", CsvWriter.field("+33 1 23"));
        assertEquals("'-2", CsvWriter.field("-2"));
        assertEquals("'@SUM(A1)", CsvWriter.field("@SUM(A1)"));
        assertEquals("\"a,b\"", CsvWriter.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", CsvWriter.field("say \"hi\""));
        assertEquals("\"two\nlines\"", CsvWriter.field("two\nlines"));
        assertEquals("plain", CsvWriter.field("plain"));
        assertEquals("", CsvWriter.field(null));
    }

    /**
     * The export streams: with a client that reads the first line and then stops reading, the service
     * stops reading rows once the connection's buffers are full, far short of the segment (40,000
     * users of 1 KB each, 40 MB of CSV); when the client reads on, it gets every row. An export that
     * loaded the segment before writing would read all 40,000 rows at once. (This proves the service
     * writes rows as it reads them; on H2 the database itself may still hold the result in a
     * temporary file, on PostgreSQL the driver reads it from a cursor, FETCH rows at a time.)
     */
    @Test
    void shouldStreamALargeExportAsTheClientReadsIt() throws Exception {
        String big = "big-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        int n = 40_000;
        String note = "x".repeat(1000);
        OffsetDateTime signup = OffsetDateTime.of(2023, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        try (Connection conn = dataSource.getConnection();
                PreparedStatement ps = conn.prepareStatement("INSERT INTO users (id, traits, activity, signed_up_at, "
                        + "signup_from_trait, created_at, updated_at) VALUES (?, ?, '{}', ?, TRUE, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                ps.setString(1, big + String.format("%06d", i));
                ps.setString(2, "{\"note\":\"" + note + "\"}");
                ps.setObject(3, signup);
                ps.setObject(4, signup);
                ps.setObject(5, signup);
                ps.addBatch();
                if (i % 1000 == 999) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        try {
            double before = segments.exportedRows();
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(URI.create(users + "?format=csv&traits=note&q=" + big))
                    .header("Authorization", "Bearer test-admin-key")
                    .build();
            HttpResponse<java.io.InputStream> response =
                    client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertEquals("userId,signedUpAt,stage,lastEventAt,note", reader.readLine());
                assertTrue(reader.readLine().startsWith(big + "000000,"));
                // the client pauses: wait until the service has stopped reading rows (no change for 2 s)
                double paused = waitUntilSteady(before);
                assertTrue(
                        paused - before < n / 2.0,
                        "while the client paused the service read " + (paused - before) + " of " + n
                                + " rows: it does not load the segment before writing it");
                int lines = 2;
                String line;
                String last = null;
                while ((line = reader.readLine()) != null) {
                    lines++;
                    last = line;
                }
                assertEquals(n + 1, lines, "header and every user");
                assertTrue(last.startsWith(big + String.format("%06d", n - 1)), last);
            }
            assertEquals(n, segments.exportedRows() - before, 0.5);
        } finally {
            try (Connection conn = dataSource.getConnection();
                    Statement s = conn.createStatement()) {
                s.executeUpdate("DELETE FROM users WHERE id LIKE '" + big + "%'");
            }
        }
    }

    private double waitUntilSteady(double before) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        double last = -1;
        Instant steadySince = Instant.now();
        while (Instant.now().isBefore(deadline)) {
            double now = segments.exportedRows();
            if (now != last) {
                last = now;
                steadySince = Instant.now();
            } else if (now > before
                    && Duration.between(steadySince, Instant.now()).toMillis() >= 2000) {
                return now;
            }
            Thread.sleep(100);
        }
        return last;
    }

    @Test
    void shouldAnswerNoCursorOnTheLastPage() {
        JsonPath page = admin().queryParam("q", prefix)
                .queryParam("limit", 3)
                .get("/v1/users")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(3, page.getList("users").size());
        assertNull(page.getString("nextCursor"));
    }
}
