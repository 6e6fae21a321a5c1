package io.milepost.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.rules.RuleCompiler;
import io.milepost.support.Deadlines;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replay's fresh state holds back the recorded milestones and stalls until their own times. */
class HeldBackRecordTest {
    static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    static final RuleBook BOOK = compile();

    static RuleBook compile() {
        RuleCompiler.Result r =
                new RuleCompiler(HeldBackRecordTest.class.getClassLoader()).compile(Map.of("a.drl", """
                rule "A: two x" @milestone("a") @order(1)
                when Activity( event == "x", count >= 2 ) then reach("a"); end
                rule "B: a y after a" @milestone("b") @order(2)
                when Milestone( name == "a" ) Activity( event == "y" ) then reach("b"); end
                rule "Late: an event after the stall"
                when Stalled( milestone == "a" ) Event( ) then trigger("late"); end
                """));
        assertTrue(r.ok(), r.problems().toString());
        return r.book();
    }

    static Instant at(int hours) {
        return T0.plusSeconds(3600L * hours);
    }

    @Test
    void shouldNotReachARecordedMilestoneBeforeItsRecordedTime() {
        // on record: a at +5h (reached under older rules); the current rules would reach it at +2h
        UserState state = UserState.fresh("u");
        state.holdBackRecorded(Map.of("a", new UserState.Reached("a", at(5), "old rule")), Map.of());
        Outcomes outcomes = new JourneyEngine(100, Deadlines.EVALUATION)
                .apply(
                        BOOK,
                        state,
                        List.of(
                                JourneyEngine.Input.track("1", "x", Map.of(), at(1)),
                                        JourneyEngine.Input.track("2", "x", Map.of(), at(2)),
                                JourneyEngine.Input.track("3", "y", Map.of(), at(3)),
                                        JourneyEngine.Input.track("4", "x", Map.of(), at(5))));

        assertEquals(
                List.of(new Outcomes.MilestoneReached("b", at(5), "B: a y after a")),
                outcomes.milestones,
                "a is not reached again, and b chains on a's recorded time");
        assertEquals(at(5), state.milestones().get("a").at());
    }

    @Test
    void shouldShowARecordedStallOnlyToEventsAfterIt() {
        UserState state = UserState.fresh("u");
        state.holdBackRecorded(Map.of(), Map.of("a", at(3)));
        Outcomes outcomes = new JourneyEngine(100, Deadlines.EVALUATION)
                .apply(
                        BOOK,
                        state,
                        List.of(
                                JourneyEngine.Input.track("1", "z", Map.of(), at(1)),
                                JourneyEngine.Input.track("2", "z", Map.of(), at(4))));

        assertEquals(1, outcomes.actions.size());
        assertEquals(at(4), outcomes.actions.get(0).at());
        assertEquals(Map.of("a", at(3)), state.stalls());
    }
}
