package io.milepost.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;

/** Request builders for the keys configured in the test profile. */
public final class Api {
    public static final String ADMIN_KEY = "test-admin-key";
    public static final String WRITE_KEY = "test-write-key";

    private Api() {}

    public static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON);
    }

    public static RequestSpecification writer() {
        return given().header("Authorization", "Bearer " + WRITE_KEY).contentType(ContentType.JSON);
    }

    /** A user id no other test uses. */
    public static String newUser(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A track item as JSON. */
    public static String track(String userId, String event, String timestamp) {
        return "{\"type\":\"track\",\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"timestamp\":\""
                + timestamp + "\"}";
    }

    /** Identifies a user with a createdAt (their signup time), sent at that time. */
    public static void signup(String userId, java.time.Instant at) {
        writer().body("{\"userId\":\"" + userId + "\",\"traits\":{\"createdAt\":\"" + at + "\"},\"timestamp\":\"" + at
                        + "\"}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
    }

    /** Sends one track event at the given time. */
    public static void sendTrack(String userId, String event, java.time.Instant at) {
        writer().body("{\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + at + "\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
    }

    /** A batch body of the given items. */
    public static String batch(String... items) {
        return "{\"batch\":[" + String.join(",", items) + "]}";
    }
}
