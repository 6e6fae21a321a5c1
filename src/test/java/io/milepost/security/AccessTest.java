package io.milepost.security;

import static io.milepost.support.Api.ADMIN_KEY;
import static io.milepost.support.Api.WRITE_KEY;
import static io.milepost.support.Api.newUser;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AccessTest {

    private static String event(String u) {
        return "{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}";
    }

    @Test
    void shouldRefuseCallsWithoutAKey() {
        given().contentType(ContentType.JSON)
                .body(event("a"))
                .post("/v1/track")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer"))
                .body("error", equalTo("unauthorized"));
        given().get("/v1/users/a").then().statusCode(401).body("error", equalTo("unauthorized"));
    }

    @Test
    void shouldRefuseAnUnknownKey() {
        given().header("Authorization", "Bearer nope")
                .contentType(ContentType.JSON)
                .body(event("a"))
                .post("/v1/track")
                .then()
                .statusCode(401);
    }

    @Test
    void shouldLetAWriteKeyIngestButNothingElse() {
        String u = newUser("writer");
        given().header("Authorization", "Bearer " + WRITE_KEY)
                .contentType(ContentType.JSON)
                .body(event(u))
                .post("/v1/track")
                .then()
                .statusCode(200);
        given().header("Authorization", "Bearer second-write-key")
                .contentType(ContentType.JSON)
                .body(event(u))
                .post("/v1/track")
                .then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + WRITE_KEY)
                .get("/v1/users/" + u)
                .then()
                .statusCode(403)
                .body("error", equalTo("forbidden"));
        given().header("Authorization", "Bearer " + WRITE_KEY)
                .get("/v1/rules")
                .then()
                .statusCode(403);
        given().header("Authorization", "Bearer " + WRITE_KEY)
                .delete("/v1/users/" + u)
                .then()
                .statusCode(403);
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .get("/v1/users/" + u)
                .then()
                .statusCode(200);
    }

    @Test
    void shouldAcceptHttpBasicWithTheWriteKeyAsUserNameLikeSegmentLibraries() {
        String u = newUser("basic");
        given().auth()
                .preemptive()
                .basic(WRITE_KEY, "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + u + "\",\"event\":\"search_performed\"}]}")
                .post("/v1/import")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(1));
        given().auth()
                .preemptive()
                .basic("wrong", "")
                .contentType(ContentType.JSON)
                .body(event(u))
                .post("/v1/track")
                .then()
                .statusCode(401);
    }

    @Test
    void shouldAcceptTheWriteKeyInTheBodyWhenNoHeaderIsSent() {
        String u = newUser("bodykey");
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"" + WRITE_KEY + "\",\"batch\":[{\"type\":\"track\",\"userId\":\"" + u
                        + "\",\"event\":\"search_performed\"}]}")
                .post("/v1/batch")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(1));
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"forged\",\"batch\":[{\"type\":\"track\",\"userId\":\"" + u
                        + "\",\"event\":\"search_performed\"}]}")
                .post("/v1/batch")
                .then()
                .statusCode(401)
                .body("error", equalTo("unauthorized"));
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"" + WRITE_KEY + "\",\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .get("/v1/users/" + u)
                .then()
                .body("activity.search_performed.count", equalTo(2));
    }

    @Test
    void shouldLetTheAdminKeyDoEverything() {
        String u = newUser("admin");
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .contentType(ContentType.JSON)
                .body(event(u))
                .post("/v1/track")
                .then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .get("/v1/milestones")
                .then()
                .statusCode(200);
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .delete("/v1/users/" + u)
                .then()
                .statusCode(204);
    }

    @Test
    void shouldKeepOperationsEndpointsAndTheDashboardPageOpen() {
        given().get("/q/health").then().statusCode(200);
        given().get("/")
                .then()
                .statusCode(200)
                .contentType(org.hamcrest.Matchers.containsString("text/html"))
                .body(org.hamcrest.Matchers.containsString("<title>Milepost</title>"));
        given().get("/js/app.js").then().statusCode(200);
        given().get("/webjars/echarts/5.3.1/dist/echarts.min.js").then().statusCode(200);
    }

    @Test
    void shouldRefuseHttpBasicOnAdminEndpointsEvenWithTheAdminKey() {
        given().auth()
                .preemptive()
                .basic(ADMIN_KEY, "")
                .get("/v1/milestones")
                .then()
                .statusCode(401)
                .body("error", equalTo("unauthorized"))
                .body("message", org.hamcrest.Matchers.containsString("ingestion only"));
        given().auth()
                .preemptive()
                .basic(ADMIN_KEY, "")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/v1/replay")
                .then()
                .statusCode(401);
        given().header("Authorization", "Bearer " + ADMIN_KEY)
                .get("/v1/milestones")
                .then()
                .statusCode(200);
    }

    @Test
    void shouldAuthenticateIngestionBeforeLookingAtTheBody() {
        for (String bad : new String[] {"{", "[]", "{\"userId\":123}", "", "{\"batch\":\"x\"}"}) {
            given().contentType(ContentType.JSON)
                    .body(bad)
                    .post("/v1/track")
                    .then()
                    .statusCode(401)
                    .body("error", equalTo("unauthorized"));
            given().contentType(ContentType.JSON)
                    .body(bad)
                    .post("/v1/batch")
                    .then()
                    .statusCode(401);
        }
        // with a key, the same body is judged on its merits
        given().header("Authorization", "Bearer " + WRITE_KEY)
                .contentType(ContentType.JSON)
                .body("{")
                .post("/v1/track")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_json"));
    }

    @Test
    void shouldKeepRawPathsOutOfTheMetricLabels() {
        String secret = newUser("secret-user");
        given().put("/v1/users/" + secret).then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));
        given().post("/v1/users/" + secret + "/no/such/thing")
                .then()
                .statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));
        given().contentType(ContentType.JSON)
                .body("{}")
                .patch("/v1/" + secret)
                .then()
                .statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(
                metrics.contains("http_server_requests_seconds_count"), "HTTP metrics are there");
        org.junit.jupiter.api.Assertions.assertFalse(metrics.contains(secret), "a raw path got into the metrics");
        org.junit.jupiter.api.Assertions.assertTrue(
                metrics.contains("uri=\"/v1/users/{id}\"") || metrics.contains("uri=\"UNKNOWN\""),
                "templates or UNKNOWN label the requests");
    }

    @Test
    void shouldSendBrowserProtectionsWithTheDashboard() {
        for (String path : new String[] {"/", "/js/app.js"}) {
            given().get(path)
                    .then()
                    .statusCode(200)
                    .header(
                            "Content-Security-Policy",
                            org.hamcrest.Matchers.allOf(
                                    org.hamcrest.Matchers.containsString("frame-ancestors 'none'"),
                                    org.hamcrest.Matchers.containsString("script-src 'self'"),
                                    org.hamcrest.Matchers.containsString("connect-src 'self'"),
                                    org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("'unsafe-eval'"))))
                    .header("X-Frame-Options", "DENY")
                    .header("X-Content-Type-Options", "nosniff");
        }
    }
}
