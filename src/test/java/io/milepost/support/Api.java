package io.milepost.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;

/** Request builders for the keys configured in the test profile. */
public final class Api {
    public static final String ADMIN_KEY = "test-admin-key";
    public static final String WRITE_KEY = "test-write-key";

    private Api() {
    }

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
        return "{\"type\":\"track\",\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"timestamp\":\"" + timestamp + "\"}";
    }

    /** A batch body of the given items. */
    public static String batch(String... items) {
        return "{\"batch\":[" + String.join(",", items) + "]}";
    }
}
