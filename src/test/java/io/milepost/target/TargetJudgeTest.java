package io.milepost.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a target's status is decided from its cohorts. */
class TargetJudgeTest {
    static final Instant W1 = Instant.parse("2030-01-07T00:00:00Z");
    static final Instant DEADLINE_END = Instant.parse("2030-03-01T00:00:00Z");
    static final Instant DEADLINE_COHORT = Instant.parse("2030-02-25T00:00:00Z");

    static List<TargetView.Cohort> weeks(Double... shares) {
        List<TargetView.Cohort> cohorts = new ArrayList<>();
        for (int i = 0; i < shares.length; i++) {
            Instant start = W1.plus(Duration.ofDays(7L * i));
            Double s = shares[i];
            cohorts.add(new TargetView.Cohort(
                    start,
                    start.plus(Duration.ofDays(7)),
                    s == null ? 0 : 100,
                    s == null ? 0 : Math.round(s * 100),
                    s,
                    true));
        }
        return cohorts;
    }

    static String status(double target, List<TargetView.Cohort> cohorts, Instant now) {
        return TargetJudge.judge(target, cohorts, DEADLINE_END, DEADLINE_COHORT, now, "weekly")
                .status();
    }

    @Test
    void shouldBeMetWhenTheLatestCompleteCohortReachesTheShare() {
        Instant before = Instant.parse("2030-02-01T00:00:00Z");
        assertEquals("met", status(0.6, weeks(0.3, 0.4, 0.6), before));
        assertEquals("met", status(0.6, weeks(0.3, 0.4, 0.6), DEADLINE_END.plusSeconds(1)));
        // an empty later cohort does not count
        assertEquals("met", status(0.6, weeks(0.3, 0.7, null), before));
    }

    @Test
    void shouldProjectTheTrendToTheDeadlineCohort() {
        Instant before = Instant.parse("2030-02-01T00:00:00Z");
        TargetJudge.Verdict rising =
                TargetJudge.judge(0.6, weeks(0.30, 0.35, 0.40), DEADLINE_END, DEADLINE_COHORT, before, "weekly");
        // +5 points a week; the deadline cohort starts 7 weeks after the first: 0.30 + 7 * 0.05 = 0.65
        assertEquals("on_track", rising.status());
        assertEquals(0.65, rising.projection().share(), 1e-9);
        assertEquals(DEADLINE_COHORT, rising.projection().at());
        assertTrue(rising.explanation().contains("30%, 35%, 40%"), rising.explanation());
        TargetJudge.Verdict flat =
                TargetJudge.judge(0.6, weeks(0.40, 0.40, 0.41), DEADLINE_END, DEADLINE_COHORT, before, "weekly");
        assertEquals("at_risk", flat.status());
        assertTrue(flat.projection().share() < 0.6);
        // a projection stays a share
        assertEquals(
                1.0,
                TargetJudge.judge(0.6, weeks(0.1, 0.5), DEADLINE_END, DEADLINE_COHORT, before, "weekly")
                        .projection()
                        .share(),
                1e-9);
    }

    @Test
    void shouldBeAtRiskWithOneCohortBelowAndOnTrackWithNoneBeforeTheDeadline() {
        Instant before = Instant.parse("2030-02-01T00:00:00Z");
        TargetJudge.Verdict one = TargetJudge.judge(0.6, weeks(0.25), DEADLINE_END, DEADLINE_COHORT, before, "weekly");
        assertEquals("at_risk", one.status());
        assertNull(one.projection());
        assertEquals("on_track", status(0.6, weeks(), before));
        assertEquals("on_track", status(0.6, weeks((Double) null), before));
    }

    @Test
    void shouldBeMissedOnceTheDeadlineDayIsOverBelowTheShare() {
        assertEquals("missed", status(0.6, weeks(0.3, 0.5, 0.59), DEADLINE_END));
        assertEquals("at_risk", status(0.6, weeks(0.5, 0.45, 0.4), DEADLINE_END.minusSeconds(1)));
        assertEquals("missed", status(0.6, weeks(), DEADLINE_END));
    }
}
