package io.milepost.milestone;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.writer;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** A signup time is a time the client sends: it obeys the bounds of event timestamps; old rows outside them are still swept. */
@QuarkusTest
class SignupBoundsTest {

    @Inject
    StallSweep sweep;

    @Inject
    DataSource dataSource;

    @Test
    void shouldRefuseASignupTimeOutsideTheTimestampBounds() {
        String u = newUser("signup-bounds");
        for (String createdAt : new String[] {
            "\"2099-01-01T00:00:00Z\"", "\"1900-01-01T00:00:00Z\"", "\"1900-01-01\"", "4102444800", "-2208988800000"
        }) {
            writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":" + createdAt + "}}")
                    .post("/v1/identify")
                    .then()
                    .statusCode(400)
                    .body("details[0].field", equalTo("traits.createdAt"));
            writer().body("{\"batch\":[{\"type\":\"identify\",\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":"
                            + createdAt + "}}]}")
                    .post("/v1/batch")
                    .then()
                    .statusCode(400)
                    .body("details[0].field", equalTo("traits.createdAt"))
                    .body("details[0].index", equalTo(0));
        }
        admin().get("/v1/users/" + u).then().statusCode(404);
        Instant fine = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        writer().body("{\"userId\":\"" + u + "\",\"traits\":{\"createdAt\":\"" + fine + "\"}}")
                .post("/v1/identify")
                .then()
                .statusCode(200);
        admin().get("/v1/users/" + u).then().body("signedUpAt", equalTo(fine.toString()));
    }

    @Test
    void shouldSweepAUserWhoseStoredSignupIsIn1900() throws Exception {
        String u = newUser("signup-1900");
        sendTrack(u, "page_viewed", Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS));
        // a row as the service stored it before signup times were bounded
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE users SET signed_up_at = ?, signup_from_trait = TRUE, "
                                + "next_check_at = ? WHERE id = ?")) {
            ps.setObject(1, OffsetDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
            ps.setObject(2, OffsetDateTime.of(1900, 1, 4, 0, 0, 0, 0, ZoneOffset.UTC));
            ps.setString(3, u);
            assertEquals(1, ps.executeUpdate());
        }
        admin().get("/v1/users/" + u).then().body("nextCheckAt", equalTo("1900-01-04T00:00:00Z"));

        sweep.sweep(Instant.now());

        admin().get("/v1/users/" + u)
                .then()
                .body("stalled.milestone", hasItem("interest"))
                .body("stalled.find { it.milestone == 'interest' }.since", equalTo("1900-01-04T00:00:00Z"))
                .body("nextCheckAt", not(equalTo("1900-01-04T00:00:00Z")));
    }
}
