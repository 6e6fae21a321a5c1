package io.milepost.ingest;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.AliasMessage;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.ScreenMessage;
import com.segment.analytics.messages.TrackMessage;
import io.milepost.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Page and screen views, accounts and first-touch traits, from the official library and through batches. */
@QuarkusTest
class PageScreenGroupTest {

    @TestHTTPResource("/")
    URL root;

    static JsonPath user(String id) {
        return admin().get("/v1/users/" + id).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void shouldRecordPagesScreensAccountsAndAliasesFromTheOfficialSegmentJavaLibrary() throws Exception {
        String visitor = newUser("java-visitor");
        String u = newUser("java-user");
        String account = newUser("acme");
        Date at = Date.from(Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS));
        send(List.of(
                PageMessage.builder("Pricing")
                        .anonymousId(visitor)
                        .category("Marketing")
                        .timestamp(at)
                        .properties(Map.of("path", "/pricing"))
                        .context(Map.of(
                                "campaign",
                                Map.of("source", "newsletter", "medium", "email", "name", "spring"),
                                "page",
                                Map.of("referrer", "https://news.example.com/"))),
                AliasMessage.builder(visitor).userId(u),
                ScreenMessage.builder("Search").userId(u),
                GroupMessage.builder(account).userId(u).traits(Map.of("plan", "team", "seats", 12)),
                TrackMessage.builder("search_performed").userId(u)));

        JsonPath state = user(u);
        assertEquals(1, state.getInt("activity.page_viewed.count"));
        assertEquals(1, state.getInt("activity.screen_viewed.count"));
        assertEquals(List.of(visitor), state.getList("mergedIds"));
        assertEquals("newsletter", state.getString("traits.initial_utm_source"));
        assertEquals("email", state.getString("traits.initial_utm_medium"));
        assertEquals("spring", state.getString("traits.initial_utm_campaign"));
        assertEquals("https://news.example.com/", state.getString("traits.initial_referrer"));
        assertEquals(account, state.getString("accounts[0].id"));
        assertEquals("team", state.getString("accounts[0].traits.plan"));
        assertEquals(12, state.getInt("accounts[0].traits.seats"));
        JsonPath timeline = admin().get("/v1/users/" + u + "/timeline")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("Pricing", timeline.getString("items.find { it.name == 'page_viewed' }.data.name"));
        assertEquals("Marketing", timeline.getString("items.find { it.name == 'page_viewed' }.data.category"));
        assertEquals("/pricing", timeline.getString("items.find { it.name == 'page_viewed' }.data.path"));
        assertEquals("Search", timeline.getString("items.find { it.name == 'screen_viewed' }.data.name"));
        assertTrue(
                timeline.getList("items.type").containsAll(List.of("page", "screen", "group", "alias", "track")),
                timeline.getList("items.type").toString());
    }

    private void send(List<com.segment.analytics.messages.MessageBuilder<?, ?>> messages) throws Exception {
        CountDownLatch delivered = new CountDownLatch(messages.size());
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Analytics analytics = Analytics.builder(Api.WRITE_KEY)
                .endpoint(root.toString())
                .flushQueueSize(messages.size())
                .retries(1)
                .callback(new Callback() {
                    @Override
                    public void success(Message message) {
                        delivered.countDown();
                    }

                    @Override
                    public void failure(Message message, Throwable throwable) {
                        failures.add(throwable);
                        delivered.countDown();
                    }
                })
                .build();
        try {
            messages.forEach(analytics::enqueue);
            analytics.flush();
            assertTrue(delivered.await(30, TimeUnit.SECONDS), "the library did not finish sending");
        } finally {
            analytics.shutdown();
        }
        assertTrue(failures.isEmpty(), "the library reported failures: " + failures);
    }

    @Test
    void shouldKeepTheVisitorsFirstTouchWhenTheyBecomeAUser() {
        String visitor = newUser("touch-visitor");
        String u = newUser("touch-user");
        Instant t = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        writer().body("{\"batch\":["
                        // the identified user's own first call, from a later ad
                        + "{\"type\":\"page\",\"userId\":\"" + u + "\",\"timestamp\":\"" + t.plusSeconds(60) + "\","
                        + "\"context\":{\"campaign\":{\"source\":\"google\",\"medium\":\"cpc\"},\"page\":{\"referrer\":\"https://www.google.com/\"}}},"
                        // the visitor came first, from a partner's link
                        + "{\"type\":\"page\",\"anonymousId\":\"" + visitor + "\",\"name\":\"Home\",\"timestamp\":\""
                        + t + "\","
                        + "\"properties\":{\"referrer\":\"https://partner.example.org/\"},"
                        + "\"context\":{\"campaign\":{\"source\":\"partner\",\"name\":\"launch\"}}},"
                        + "{\"type\":\"page\",\"anonymousId\":\"" + visitor + "\",\"timestamp\":\"" + t.plusSeconds(30)
                        + "\","
                        + "\"context\":{\"campaign\":{\"source\":\"other\"},\"page\":{\"referrer\":\"https://elsewhere.example/\"}}}"
                        + "]}")
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(3));
        assertEquals("partner", user(visitor).getString("traits.initial_utm_source"));
        assertEquals("google", user(u).getString("traits.initial_utm_source"));

        writer().body("{\"type\":\"identify\",\"anonymousId\":\"" + visitor + "\",\"userId\":\"" + u
                        + "\",\"traits\":{\"plan\":\"free\"},\"timestamp\":\"" + t.plusSeconds(120) + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
        JsonPath merged = user(u);
        assertEquals("partner", merged.getString("traits.initial_utm_source"), "the visitor's touch was first");
        assertEquals("launch", merged.getString("traits.initial_utm_campaign"));
        assertEquals("https://partner.example.org/", merged.getString("traits.initial_referrer"));
        assertNull(merged.get("traits.initial_utm_medium"), "one touch, not a mix of two");
        assertEquals(3, merged.getInt("activity.page_viewed.count"));
        assertEquals("free", merged.getString("traits.plan"));
    }

    @Test
    void shouldLetRulesMatchTheAccountsTraits() {
        String account = newUser("account");
        String first = newUser("member-1");
        String second = newUser("member-2");
        Instant t = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        for (String u : List.of(first, second)) {
            StringBuilder items = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                items.append("{\"type\":\"track\",\"userId\":\"")
                        .append(u)
                        .append("\",\"event\":\"search_performed\",")
                        .append("\"timestamp\":\"")
                        .append(t.plusSeconds(i))
                        .append("\"},");
            }
            items.append("{\"type\":\"track\",\"userId\":\"")
                    .append(u)
                    .append("\",\"event\":\"list_created\",\"timestamp\":\"")
                    .append(t.plusSeconds(10))
                    .append("\"},{\"type\":\"track\",\"userId\":\"")
                    .append(u)
                    .append("\",\"event\":\"export_completed\",\"timestamp\":\"")
                    .append(t.plusSeconds(20))
                    .append("\"}");
            writer().body("{\"batch\":[" + items + "]}")
                    .post("/v1/batch")
                    .then()
                    .statusCode(200);
        }
        // the first member's group call names the plan; the second's only the account
        writer().body("{\"userId\":\"" + first + "\",\"groupId\":\"" + account
                        + "\",\"traits\":{\"plan\":\"team\",\"name\":\"Acme\"}," + "\"timestamp\":\""
                        + t.plusSeconds(30) + "\"}")
                .post("/v1/group")
                .then()
                .statusCode(200);
        writer().body("{\"userId\":\"" + second + "\",\"groupId\":\"" + account + "\",\"timestamp\":\""
                        + t.plusSeconds(40) + "\"}")
                .post("/v1/group")
                .then()
                .statusCode(200);
        JsonPath one = user(first);
        assertEquals("value_growth", one.getString("stage"));
        assertEquals(
                t.plusSeconds(30).toString(), one.getString("milestones.find { it.name == 'value_growth' }.reachedAt"));
        assertEquals(
                "Value Growth: the account is on the team plan",
                one.getString("milestones.find { it.name == 'value_growth' }.rule"));
        JsonPath two = user(second);
        assertEquals(
                "value_growth", two.getString("stage"), "the account's plan, sent by another member, is the account's");
        assertEquals("Acme", two.getString("accounts[0].traits.name"));
        assertNull(one.get("traits.plan"), "account traits are not the user's traits");
    }

    @Test
    void shouldRefusePageScreenGroupAndAliasCallsWithoutWhatTheyNeed() {
        String u = newUser("bad-calls");
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{}}")
                .post("/v1/group")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("groupId"));
        writer().body("{\"userId\":\"" + u + "\"}")
                .post("/v1/alias")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("previousId"));
        writer().body("{\"anonymousId\":\"a\",\"previousId\":\"b\"}")
                .post("/v1/alias")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("userId"));
        writer().body("{\"userId\":\"" + u + "\",\"name\":123}")
                .post("/v1/page")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("name"));
        writer().body("{\"userId\":\"" + u + "\",\"properties\":[]}")
                .post("/v1/screen")
                .then()
                .statusCode(400)
                .body("details[0].field", equalTo("properties"));
        writer().body("{\"batch\":[{\"type\":\"page\",\"userId\":\"" + u + "\"},{\"type\":\"visit\",\"userId\":\"" + u
                        + "\"}]}")
                .post("/v1/batch")
                .then()
                .statusCode(400)
                .body("details[0].index", equalTo(1))
                .body("details[0].field", equalTo("type"));
        admin().get("/v1/users/" + u).then().statusCode(404);
    }
}
