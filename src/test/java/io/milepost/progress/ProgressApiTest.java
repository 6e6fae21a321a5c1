package io.milepost.progress;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.support.MovableClock;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/users/{id}/progress} over HTTP, with the shipped rules and the service's clock. */
@QuarkusTest
class ProgressApiTest {
    static final String FIRST_VALUE = "milestones.find { it.milestone == 'first_value' }";

    @Inject
    MovableClock clock;

    void clockAt(Instant now) {
        clock.set(now);
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    /** A user who signed up 20 days ago and searched 4 times an hour later. */
    static String fourSearches(Instant signup) {
        String user = newUser("progress");
        signup(user, signup);
        for (int i = 0; i < 4; i++) {
            sendTrack(user, "search_performed", signup.plus(Duration.ofMinutes(60 + i)));
        }
        return user;
    }

    @Test
    void shouldShowSearchesAgainstTheThresholdAndTheWindowAtTheClocksTime() {
        Instant signup = Instant.now().minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.SECONDS);
        String user = fourSearches(signup);
        Instant now = signup.plus(Duration.ofDays(2));
        clockAt(now);

        admin().get("/v1/users/{id}/progress", user)
                .then()
                .statusCode(200)
                .body("userId", equalTo(user))
                .body("asOf", equalTo(now.toString()))
                .body("stage", equalTo("interest"))
                .body("milestones[0].milestone", equalTo("interest"))
                .body("milestones[0].reached", equalTo(true))
                .body("milestones[0].rules", empty())
                .body(FIRST_VALUE + ".reached", equalTo(false))
                .body(FIRST_VALUE + ".order", equalTo(2))
                .body(FIRST_VALUE + ".window.state", equalTo("open"))
                .body(FIRST_VALUE + ".window.opensAt", equalTo(signup.toString()))
                .body(
                        FIRST_VALUE + ".window.closesAt",
                        equalTo(signup.plus(Duration.ofDays(7)).toString()))
                .body(FIRST_VALUE + ".window.closesIn", equalTo("PT120H"))
                .body(FIRST_VALUE + ".rules[0].rule", equalTo("First Value: 5 searches and a list"))
                .body(FIRST_VALUE + ".rules[0].file", equalTo("milestones.drl"))
                .body(FIRST_VALUE + ".rules[0].holds", equalTo(false))
                .body(FIRST_VALUE + ".rules[0].conditions[0].event", equalTo("search_performed"))
                .body(FIRST_VALUE + ".rules[0].conditions[0].current", equalTo(4))
                .body(FIRST_VALUE + ".rules[0].conditions[0].required", equalTo(5))
                .body(FIRST_VALUE + ".rules[0].conditions[0].holds", equalTo(false))
                .body(FIRST_VALUE + ".rules[0].conditions[0].explained", equalTo(true))
                .body(FIRST_VALUE + ".rules[0].conditions[1].event", equalTo("list_created"))
                .body(FIRST_VALUE + ".rules[0].conditions[1].current", equalTo(0))
                .body(FIRST_VALUE + ".rules[0].conditions[1].required", equalTo(1))
                .body("milestones.find { it.milestone == 'value_realization' }.window.state", equalTo("not_started"))
                .body("milestones.find { it.milestone == 'value_growth' }.window.state", equalTo("none"));

        clockAt(signup.plus(Duration.ofDays(8)));
        admin().get("/v1/users/{id}/progress", user)
                .then()
                .statusCode(200)
                .body(FIRST_VALUE + ".window.state", equalTo("closed"))
                .body(FIRST_VALUE + ".window.closesIn", nullValue());
    }

    @Test
    void shouldWriteEveryFieldOfAConditionEvenWhenItIsNull() {
        // the dashboard tells "does not hold" (false) from "cannot say" (null): nulls must be written
        Instant signup = Instant.now().minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.SECONDS);
        String user = fourSearches(signup);
        admin().get("/v1/users/{id}/progress", user)
                .then()
                .statusCode(200)
                .body(FIRST_VALUE + ".rules[0].conditions[0]", hasKey("reason"))
                .body(FIRST_VALUE + ".rules[0].conditions[0].reason", nullValue())
                .body(
                        FIRST_VALUE + ".rules[0].conditions[0].text",
                        equalTo("Activity( event == \"search_performed\", count >= 5 )"))
                .body(FIRST_VALUE + ".rules[0].conditions[0].checks[1].text", equalTo("count >= 5"))
                .body(FIRST_VALUE + ".rules[0].conditions[0].checks[1].current", equalTo(4))
                .body(FIRST_VALUE + ".stalledSince", nullValue());
    }

    @Test
    void shouldChangeNothingWhenAskedForProgress() {
        Instant signup = Instant.now().minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.SECONDS);
        String user = fourSearches(signup);
        String state = admin().get("/v1/users/{id}", user)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        String timeline = admin().get("/v1/users/{id}/timeline", user)
                .then()
                .statusCode(200)
                .extract()
                .asString();

        // the 4 searches meet "Proactive: searching, but no list yet" and the first_value window has closed:
        // asking for progress must neither fire the action again nor record the stall
        clockAt(signup.plus(Duration.ofDays(9)));
        for (int i = 0; i < 3; i++) {
            admin().get("/v1/users/{id}/progress", user).then().statusCode(200);
        }

        assertEquals(
                state,
                admin().get("/v1/users/{id}", user)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
        assertEquals(
                timeline,
                admin().get("/v1/users/{id}/timeline", user)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    @Test
    void shouldAnswer404ForAnUnknownUserInTheErrorShape() {
        admin().get("/v1/users/{id}/progress", "nobody-at-all")
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"))
                .body("message", equalTo("no user nobody-at-all"))
                .body("details", empty());
    }

    @Test
    void shouldRefuseAnUnknownQueryParameterByName() {
        admin().queryParam("milestone", "first_value")
                .get("/v1/users/{id}/progress", "whoever")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("details[0].field", equalTo("milestone"))
                .body("details[0].message", equalTo("unknown query parameter"));
    }
}
