package io.milepost.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.rules.RuleCompiler;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.Simulation;
import io.milepost.support.Deadlines;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Windows close on the user's timeline: between two events of an imported history, at their own
 * close times, with the reactive rules evaluated then; the same whether the events arrive one by
 * one, all at once, or in a dry run.
 */
class TimelineWindowsTest {
    static final Instant SIGNUP = Instant.parse("2026-11-01T09:00:00Z");
    static final RuleBook BOOK = compile();

    static RuleBook compile() {
        RuleCompiler.Result r =
                new RuleCompiler(TimelineWindowsTest.class.getClassLoader()).compile(Map.of("a.drl", """
                rule "Value: a list" @milestone("value") @order(1) @within("7d")
                when Activity( event == "list_created" ) then reach("value"); end
                rule "Rescue: no value in a week"
                when Stalled( milestone == "value" ) then trigger("rescue"); end
                rule "Nag: every day while stalled (forgets to check the milestone)" @repeat("1d")
                when Stalled( milestone == "value" ) then trigger("nag"); end
                """));
        assertTrue(r.ok(), r.problems().toString());
        return r.book();
    }

    static Instant day(double days) {
        return SIGNUP.plus(Duration.ofMinutes(Math.round(days * 24 * 60)));
    }

    static List<JourneyEngine.Input> history() {
        return List.of(
                JourneyEngine.Input.identify("0", Map.of("createdAt", SIGNUP.toString()), SIGNUP),
                JourneyEngine.Input.track("1", "search_performed", Map.of(), day(1)),
                JourneyEngine.Input.track("2", "list_created", Map.of(), day(16)));
    }

    @Test
    void shouldCloseAWindowBetweenTwoImportedEventsAtItsCloseTime() {
        UserState state = UserState.fresh("u");
        Outcomes outcomes = new JourneyEngine(100, Deadlines.EVALUATION).apply(BOOK, state, history());

        assertEquals(List.of(new Outcomes.Stall("value", day(7))), outcomes.stalls);
        Outcomes.ActionTriggered rescue = outcomes.actions.stream()
                .filter(a -> a.action().equals("rescue"))
                .findFirst()
                .orElseThrow();
        assertEquals(day(7), rescue.at(), "answered when the window closed, not when the history arrived");
        assertNull(rescue.suppressed());
        assertEquals(day(16), state.milestones().get("value").at(), "reached late: after the stall");
    }

    @Test
    void shouldGiveTheSameTimelineOneEventAtATimeAllAtOnceAndInADryRun() {
        UserState oneByOne = UserState.fresh("u");
        JourneyEngine engine = new JourneyEngine(100, Deadlines.EVALUATION);
        Outcomes first = new Outcomes();
        for (JourneyEngine.Input in : history()) {
            Outcomes o = engine.apply(BOOK, oneByOne, List.of(in));
            first.stalls.addAll(o.stalls);
            first.actions.addAll(o.actions);
        }
        UserState allAtOnce = UserState.fresh("u");
        Outcomes all = engine.apply(BOOK, allAtOnce, history());
        Simulation.Result dry = new Simulation(engine)
                .run(
                        BOOK,
                        Map.of(),
                        SIGNUP.toString(),
                        List.of(
                                new Scenario.Step("search_performed", null, null, day(1).toString()),
                                new Scenario.Step("list_created", null, null, day(16).toString())),
                        null);

        assertEquals(all.stalls, first.stalls);
        assertEquals(
                all.actions.stream().map(a -> a.action() + "@" + a.at()).toList(),
                first.actions.stream().map(a -> a.action() + "@" + a.at()).toList());
        assertEquals(List.of(new Simulation.Stall("value", day(7))), dry.stalled());
        assertEquals(
                all.actions.stream().map(a -> a.action() + "@" + a.at()).toList(),
                dry.actions().stream().map(a -> a.action() + "@" + a.at()).toList());
    }

    @Test
    void shouldMarkAnActionThatAnswersAStallTheUserHasLeft() {
        UserState state = UserState.fresh("u");
        JourneyEngine engine = new JourneyEngine(100, Deadlines.EVALUATION);
        engine.apply(BOOK, state, history());
        // the sweep looks at the user a day after the list: the nag repeats, but the stall is over
        Outcomes later = engine.evaluateAt(BOOK, state, day(17.5), List.of());
        Outcomes.ActionTriggered nag = later.actions.stream()
                .filter(a -> a.action().equals("nag"))
                .findFirst()
                .orElseThrow();
        assertEquals(Outcomes.STALL_RESOLVED, nag.suppressed());
    }

    @Test
    void shouldCloseWindowsUpToTheTimeTheSweepLooks() {
        UserState state = UserState.fresh("u");
        JourneyEngine engine = new JourneyEngine(100, Deadlines.EVALUATION);
        engine.apply(BOOK, state, history().subList(0, 2));
        assertEquals(Map.of(), state.stalls());
        Outcomes swept = engine.advanceTo(BOOK, state, day(30));
        assertEquals(List.of(new Outcomes.Stall("value", day(7))), swept.stalls);
        assertEquals(
                java.util.Set.of("rescue@" + day(7), "nag@" + day(7)),
                swept.actions.stream()
                        .map(a -> a.action() + "@" + a.at())
                        .collect(java.util.stream.Collectors.toSet()));
        assertEquals(List.of(), engine.advanceTo(BOOK, state, day(31)).stalls, "closed once");
    }
}
