package io.milepost.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.rules.RuleCompiler;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.Simulation;
import io.milepost.support.Deadlines;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Questions about event properties: how often a property had a value, how many different values
 * it had, what its numbers add up to, over all time or a rolling window; in DRL and in phrases.
 * Only the properties the rules ask about are kept per value.
 */
class PropertyQuestionsTest {

    private static RuleBook compile(String name, String text) {
        RuleCompiler.Result r =
                new RuleCompiler(PropertyQuestionsTest.class.getClassLoader()).compile(Map.of(name, text));
        assertTrue(r.ok(), () -> r.problems().toString());
        return r.book();
    }

    private static Scenario.Step track(String event, Map<String, Object> properties, String at) {
        return new Scenario.Step(event, properties, null, at);
    }

    private static Simulation.Result run(RuleBook book, Scenario.Step... steps) {
        return new Simulation(new JourneyEngine(1000, Deadlines.EVALUATION))
                .run(book, Map.of(), null, List.of(steps), null);
    }

    private static List<String> fired(Simulation.Result sim) {
        return sim.actions().stream().map(a -> a.action() + "@" + a.at()).toList();
    }

    @Test
    void shouldKnowWhichPropertiesTheRulesAskAbout() {
        RuleBook book = compile("a.drl", """
                rule "Collaborators" when Activity( event == "comment_added", distinct("author_id") >= 2 ) then trigger("a"); end
                rule "CSV" when Activity( event == "export_completed", countWhereInLast("format", "csv", 7) >= 1,
                                          sum("rows") > 100 ) then trigger("b"); end
                rule "Bound" when $a : Activity( event == "x" ) eval( $a.sumWithin("amount", 7) > 1 ) then trigger("c"); end
                """);
        assertEquals(
                Map.of(
                        "comment_added",
                        Set.of("author_id"),
                        "export_completed",
                        Set.of("format", "rows"),
                        PropertyQuestions.ANY_EVENT,
                        Set.of("amount")),
                book.properties());
        assertEquals(Set.of("author_id", "amount"), book.propertiesOf("comment_added"));
        assertEquals(Set.of("amount"), book.propertiesOf("page_viewed"));
    }

    @Test
    void shouldCountDifferentCollaboratorsInPlainEnglish() {
        RuleBook book = compile("brief.dslr", """
                package rules;
                expander milepost.dsl
                rule "Two collaborators"
                when
                    The user did "comment_added" with at least 2 different "author_id" values
                then
                    Trigger "collaboration_tips"
                end
                """);
        Simulation.Result sim = run(
                book,
                track("comment_added", Map.of("author_id", "ann"), "+1h"),
                track("comment_added", Map.of("author_id", "ann"), "+2h"),
                track("comment_added", Map.of("board", "b1"), "+3h"),
                track("comment_added", Map.of("author_id", "bob"), "+4h"));
        assertEquals(List.of("collaboration_tips@2026-01-05T13:00:00Z"), fired(sim));
    }

    @Test
    void shouldCountAValueAndAddUpNumbersInRollingWindows() {
        RuleBook book = compile("brief.dslr", """
                package rules;
                expander milepost.dsl
                rule "Two CSV exports in a week"
                when
                    The user did "export_completed" with "format" set to "csv" at least 2 times in the last 7 days
                then
                    Trigger "csv_tips"
                end
                rule "Big spender in the first two days"
                when
                    The user did "order_paid" with a total "amount" of at least 100 within 2 days of signup
                then
                    Trigger "vip"
                end
                """);
        // two CSV exports 8 days apart are not two in a week; the third is
        Simulation.Result csv = run(
                book,
                track("export_completed", Map.of("format", "csv"), "+1h"),
                track("export_completed", Map.of("format", "pdf"), "+2d"),
                track("export_completed", Map.of("format", "csv"), "+8d2h"),
                track("export_completed", Map.of("format", "csv"), "+9d"));
        assertEquals(List.of("csv_tips@2026-01-14T09:00:00Z"), fired(csv));

        // 60 + 30 within 48 hours is not 100; the 20 at +47h is; what comes after 48 h would not count
        Simulation.Result orders = run(
                book,
                track("order_paid", Map.of("amount", 60), "+1h"),
                track("order_paid", Map.of("amount", 30.5), "+20h"),
                track("order_paid", Map.of("amount", "n/a"), "+21h"),
                track("order_paid", Map.of("amount", 20), "+47h"));
        assertEquals(List.of("vip@2026-01-07T08:00:00Z"), fired(orders));
        Simulation.Result late = run(
                book,
                track("order_paid", Map.of("amount", 60), "+1h"),
                track("order_paid", Map.of("amount", 50), "+49h"));
        assertEquals(List.of(), fired(late));
    }

    @Test
    void shouldCountWithinHoursOfSignup() {
        RuleBook book = compile("brief.dslr", """
                package rules;
                expander milepost.dsl
                rule "Fast start"
                when
                    The user did "search_performed" at least 2 times within 12 hours of signup
                then
                    Trigger "fast_start"
                end
                """);
        assertEquals(
                List.of("fast_start@2026-01-05T20:00:00Z"),
                fired(run(
                        book,
                        track("search_performed", Map.of(), "+1h"),
                        track("search_performed", Map.of(), "+11h"))));
        assertEquals(
                List.of(),
                fired(run(
                        book,
                        track("search_performed", Map.of(), "+1h"),
                        track("search_performed", Map.of(), "+13h"))));
    }
}
