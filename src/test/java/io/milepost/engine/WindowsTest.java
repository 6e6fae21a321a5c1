package io.milepost.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Window arithmetic on a user's state, without Drools or the service. */
class WindowsTest {
    static final Instant SIGNUP = Instant.parse("2026-11-02T09:00:00Z");
    static final MilestoneDefinition INTEREST =
            new MilestoneDefinition("interest", 1, Duration.ofDays(3), null, List.of("Interest"));
    static final MilestoneDefinition FIRST_VALUE =
            new MilestoneDefinition("first_value", 2, Duration.ofDays(7), "interest", List.of("First value"));
    static final MilestoneDefinition HABIT = new MilestoneDefinition("habit", 3, null, null, List.of("Habit"));
    static final RuleInfo WEEKLY = new RuleInfo("Weekly digest", "digest.drl", null, null, Duration.ofDays(7), null);
    static final RuleBook BOOK =
            new RuleBook("v1", SIGNUP, List.of("a.drl"), List.of(WEEKLY), List.of(INTEREST, FIRST_VALUE, HABIT), null);

    static UserState signedUp() {
        UserState s = UserState.fresh("u1");
        s.signedUpAt(SIGNUP, false);
        return s;
    }

    @Test
    void shouldCloseAWindowCountedFromSignupOrFromTheMilestoneBefore() {
        UserState s = signedUp();
        assertEquals(SIGNUP.plus(Duration.ofDays(3)), Windows.closesAt(INTEREST, s));
        assertNull(Windows.closesAt(FIRST_VALUE, s), "counted from interest, not reached yet");
        assertNull(Windows.closesAt(HABIT, s), "no window");

        Instant interestAt = SIGNUP.plus(Duration.ofHours(30));
        s.milestones().put("interest", new UserState.Reached("interest", interestAt, "Interest"));
        assertEquals(interestAt.plus(Duration.ofDays(7)), Windows.closesAt(FIRST_VALUE, s));
        assertNull(Windows.closesAt(INTEREST, UserState.fresh("no signup")), "no signup, no window");
    }

    @Test
    void shouldListAWindowAsClosedFromItsCloseUntilItIsRecordedAsAStall() {
        UserState s = signedUp();
        Instant close = SIGNUP.plus(Duration.ofDays(3));
        assertEquals(List.of(), Windows.closed(BOOK, s, close.minusNanos(1000)));
        assertEquals(
                List.of(new Windows.Closed("interest", close)), Windows.closed(BOOK, s, close), "closes at its end");
        s.stalls().put("interest", close);
        assertEquals(List.of(), Windows.closed(BOOK, s, close.plus(Duration.ofDays(1))), "on record");
    }

    @Test
    void shouldNotCloseAWindowWhoseMilestoneWasReachedInTimeButStillCloseOneReachedLate() {
        UserState inTime = signedUp();
        inTime.milestones()
                .put("interest", new UserState.Reached("interest", SIGNUP.plus(Duration.ofDays(3)), "Interest"));
        assertEquals(
                List.of(),
                Windows.closed(BOOK, inTime, SIGNUP.plus(Duration.ofDays(30))).stream()
                        .filter(c -> c.milestone().equals("interest"))
                        .toList(),
                "reached at the last instant");

        UserState late = signedUp();
        late.milestones()
                .put("interest", new UserState.Reached("interest", SIGNUP.plus(Duration.ofDays(4)), "Interest"));
        assertEquals(
                List.of(new Windows.Closed("interest", SIGNUP.plus(Duration.ofDays(3)))),
                Windows.closed(BOOK, late, SIGNUP.plus(Duration.ofDays(4))).stream()
                        .filter(c -> c.milestone().equals("interest"))
                        .toList(),
                "reached after its window: still a stall (reached late)");
    }

    @Test
    void shouldCheckNextAtTheEarliestOfAWindowCloseAndAnEveryRulesNextDueTime() {
        UserState s = signedUp();
        assertEquals(SIGNUP.plus(Duration.ofDays(3)), Windows.nextCheck(BOOK, s, SIGNUP));

        Instant digestAt = SIGNUP.plus(Duration.ofHours(1));
        s.actions().put("weekly_digest", new UserState.ActionHistory(1, digestAt, "Weekly digest"));
        s.stalls().put("interest", SIGNUP.plus(Duration.ofDays(3)));
        assertEquals(
                digestAt.plus(Duration.ofDays(7)),
                Windows.nextCheck(BOOK, s, SIGNUP.plus(Duration.ofDays(4))),
                "the digest's next period");
        assertEquals(
                digestAt.plus(Duration.ofDays(21)),
                Windows.nextScheduled(BOOK, s, digestAt.plus(Duration.ofDays(14))),
                "a due time exactly now is past: the period after it");
        assertNull(Windows.nextCheck(null, s, SIGNUP), "no rules loaded");
    }

    @Test
    void shouldNameTheHighestMilestoneReachedAsTheStage() {
        UserState s = signedUp();
        assertNull(Windows.stage(BOOK, s));
        s.milestones().put("first_value", new UserState.Reached("first_value", SIGNUP, "First value"));
        s.milestones().put("interest", new UserState.Reached("interest", SIGNUP, "Interest"));
        assertEquals("first_value", Windows.stage(BOOK, s), "by the catalog's order, not the order reached");
    }
}
