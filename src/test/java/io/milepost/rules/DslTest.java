package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.UserState;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.Simulation;
import io.milepost.support.Deadlines;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in plain-English phrases (milepost.dsl) compile into rules that behave as written. */
class DslTest {

    @Test
    void shouldTurnEveryShippedPhraseIntoAWorkingRule() {
        String dslr = """
                package rules;
                expander milepost.dsl

                rule "Habit" @milestone("habit") @order(1)
                when
                    The user did "search_performed" at least 3 times within 7 days of signup
                    The user did "search_performed" on at least 2 of the last 7 days
                    The user did "search_performed" in at least 1 of the last 2 weeks
                    The user did "search_performed" at least 3 times in the last 30 days
                    The user never did "list_deleted"
                    The user's "plan" is "free"
                    The user's "role" is not "bot"
                then
                    Record the milestone "habit"
                end

                rule "Export in CSV after the habit"
                when
                    The user has reached "habit"
                    The user has not reached "power"
                    The event is "export_completed" with "format" set to "csv"
                    The user did "export_completed"
                then
                    Trigger "csv_tips" with "topic" set to "csv"
                end

                rule "Stalled at power"
                when
                    The user is stalled at "power"
                    The user signed up at least 1 days ago
                then
                    Trigger "nudge"
                end

                rule "A team account"
                when
                    The user's account "plan" is "team"
                then
                    Trigger "team_tips"
                end

                rule "Power" @milestone("power") @order(2) @within("2d")
                when
                    The user did "search_performed" at least 100 times
                    The event is "search_performed"
                then
                    Record the milestone "power"
                end
                """;
        RuleCompiler.Result r = new RuleCompiler(getClass().getClassLoader()).compile(Map.of("test.dslr", dslr));
        assertTrue(r.ok(), () -> r.problems().toString());

        List<Scenario.Step> steps = List.of(
                new Scenario.Step("search_performed", null, null, "+1h"),
                new Scenario.Step("search_performed", null, null, "+1d"),
                new Scenario.Step("search_performed", null, null, "+1d1h"),
                new Scenario.Step("export_completed", Map.of("format", "csv"), null, "+1d2h"));
        Simulation.Result sim = new Simulation(new JourneyEngine(1000, Deadlines.EVALUATION))
                .run(r.book(), Map.of("plan", "free"), null, steps, "+3d");
        assertEquals(
                List.of("habit"),
                sim.milestones().stream().map(m -> m.milestone()).toList(),
                sim.toString());
        assertEquals(
                List.of("csv_tips", "nudge"),
                sim.actions().stream().map(a -> a.action()).toList(),
                sim.toString());
        assertEquals(Map.of("topic", "csv"), sim.actions().get(0).payload());
        assertEquals(
                List.of("power"),
                sim.stalled().stream().map(Simulation.Stall::milestone).toList());

        UserState member = UserState.fresh("member");
        Outcomes joined = new JourneyEngine(1000, Deadlines.EVALUATION)
                .apply(
                        r.book(),
                        member,
                        List.of(JourneyEngine.Input.group(
                                "g1",
                                "acme",
                                Map.of("plan", "team"),
                                java.time.Instant.parse("2026-01-05T09:00:00Z"))));
        assertEquals(
                List.of("team_tips"),
                joined.actions.stream().map(a -> a.action()).toList());
    }
}
