package io.milepost.kpi;

import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static io.milepost.support.Api.signup;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.milepost.kpi.JourneyQueries.Counted;
import io.milepost.kpi.JourneyQueries.None;
import io.milepost.kpi.JourneyQueries.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The counts from the records, asked again and again with the same statement text and other
 * parameters on one connection, as answers do. H2 keeps a connection's parsed statements by their
 * text, and a kept statement with a {@code WITH} clause can answer the rows of its first parameters
 * (h2database issue 4228): each answer must be the one of its own range.
 */
@QuarkusTest
class JourneyQueriesTest {
    @Inject
    JourneyQueries queries;

    @Inject
    KpiDays days;

    @Test
    void shouldCountEachRangeForItsOwnParametersOnOneConnection() {
        Instant first = KpiRecountTest.freshDay();
        Instant second = first.plus(Duration.ofDays(3));
        // the first day: two users, both searched once; the second: one user who did nothing
        for (int i = 0; i < 2; i++) {
            String u = newUser("cte-first");
            signup(u, first.plus(Duration.ofHours(1 + i)));
            sendTrack(u, "search_performed", first.plus(Duration.ofHours(2 + i)));
        }
        signup(newUser("cte-second"), second.plus(Duration.ofHours(1)));

        Journey journey = days.journey();
        List<Counted> answers = QuarkusTransaction.requiringNew()
                .call(() -> List.of(
                        queries.count(
                                journey,
                                Scope.of(first, first.plus(Duration.ofDays(1))),
                                new None(),
                                Instant.now(),
                                false),
                        queries.count(
                                journey,
                                Scope.of(second, second.plus(Duration.ofDays(1))),
                                new None(),
                                Instant.now(),
                                false),
                        queries.count(
                                journey,
                                Scope.of(second, second.plus(Duration.ofDays(1))),
                                new None(),
                                Instant.now(),
                                true),
                        queries.count(
                                journey,
                                Scope.of(first, first.plus(Duration.ofDays(1))),
                                new None(),
                                Instant.now(),
                                true)));

        assertEquals(2, answers.get(0).groups().get(0).cohort(), "the first day's users");
        assertEquals(
                2, answers.get(0).groups().get(0).steps().get(0).reached(), "the first day's users reached interest");
        assertEquals(1, answers.get(1).groups().get(0).cohort(), "the second day's user, not the first day's");
        assertEquals(
                0,
                answers.get(1).groups().get(0).steps().get(0).reached(),
                "nobody of the second day reached interest");
        assertEquals(0, answers.get(2).times().size(), "the second day has no times to reach");
        assertEquals(
                2,
                answers.get(3).times().stream()
                        .filter(t -> t.step() == 0)
                        .mapToLong(JourneyQueries.TimeCount::count)
                        .sum(),
                "the first day's two times to reach interest");
    }
}
