package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.rules.scenario.Scenario;
import io.milepost.rules.scenario.Simulation;
import io.milepost.support.Deadlines;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a business user writes in a {@code .dslr} file: lines that match a phrase whole work however
 * they vary in case, spacing and plural; lines that match none get one error on their line that
 * names the closest phrases; "or" lines, several values and several payload entries say what the
 * brief says.
 */
class PhrasesTest {
    private static final String HEAD = "package rules;\nexpander milepost.dsl\n\n";

    private static RuleCompiler.Result compile(Map<String, String> files) {
        return new RuleCompiler(PhrasesTest.class.getClassLoader()).compile(files);
    }

    private static RuleBook book(String dslr) {
        RuleCompiler.Result r = compile(Map.of("brief.dslr", HEAD + dslr));
        assertTrue(r.ok(), () -> r.problems().toString());
        return r.book();
    }

    private static Simulation.Result simulate(RuleBook book, Map<String, Object> traits, Scenario.Step... steps) {
        return new Simulation(new JourneyEngine(1000, Deadlines.EVALUATION))
                .run(book, traits, null, List.of(steps), null);
    }

    private static Scenario.Step track(String event, String at) {
        return new Scenario.Step(event, null, null, at);
    }

    private static List<String> actions(Simulation.Result sim) {
        return sim.actions().stream().map(a -> a.action()).toList();
    }

    @Test
    void shouldTakeOneTimeAndAnyCaseAndSpacingAndAFullStop() {
        RuleBook book = book("""
                rule "Interest"
                when
                    the user did  "search_performed"   at least 1 time.
                then
                    Trigger "welcome"
                end
                """);
        assertEquals(List.of("welcome"), actions(simulate(book, Map.of(), track("search_performed", "+1h"))));
    }

    @Test
    void shouldReportALineNoPhraseMatchesOnceOnItsLineWithTheClosestPhrases() {
        RuleCompiler.Result r = compile(Map.of("brief.dslr", HEAD + """
                rule "Typo"
                when
                    The user did "search_performed" at least 3 tmes
                then
                    Trigger "welcome"
                end
                """));
        assertFalse(r.ok());
        assertEquals(1, r.problems().size(), r.problems().toString());
        RuleProblem p = r.problems().get(0);
        assertEquals("brief.dslr", p.file());
        assertEquals(6, p.line());
        assertEquals(5, p.column());
        assertTrue(
                p.message()
                        .startsWith(
                                "no condition phrase matches \"The user did \"search_performed\" at least 3 tmes\""),
                p.message());
        assertTrue(p.message().contains("The user did \"{event}\" at least {n} times"), p.message());
    }

    @Test
    void shouldNotLetAShorterPhraseSwallowTheStartOfALine() {
        RuleCompiler.Result r = compile(Map.of("brief.dslr", HEAD + """
                rule "Extra words"
                when
                    The user did "search_performed" a lot
                then
                    Trigger "welcome"
                end
                """));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertTrue(
                r.problems().get(0).message().startsWith("no condition phrase matches"),
                r.problems().toString());
    }

    @Test
    void shouldMatchAnyOfSeveralValues() {
        RuleBook book = book("""
                rule "Paying"
                when
                    The user's "plan" is "pro" or "team"
                    The user did "search_performed"
                then
                    Trigger "paying_tips"
                end
                """);
        assertEquals(
                List.of("paying_tips"),
                actions(simulate(book, Map.of("plan", "team"), track("search_performed", "+1h"))));
        assertEquals(
                List.of("paying_tips"),
                actions(simulate(book, Map.of("plan", "pro"), track("search_performed", "+1h"))));
        assertEquals(List.of(), actions(simulate(book, Map.of("plan", "free"), track("search_performed", "+1h"))));
    }

    @Test
    void shouldExcludeSeveralValues() {
        RuleBook book = book("""
                rule "Free only"
                when
                    The user's "plan" is not "pro", "team"
                    The user did "search_performed"
                then
                    Trigger "upgrade"
                end
                """);
        assertEquals(
                List.of("upgrade"), actions(simulate(book, Map.of("plan", "free"), track("search_performed", "+1h"))));
        assertEquals(List.of("upgrade"), actions(simulate(book, Map.of(), track("search_performed", "+1h"))));
        assertEquals(List.of(), actions(simulate(book, Map.of("plan", "team"), track("search_performed", "+1h"))));
    }

    @Test
    void shouldSendEveryPayloadEntry() {
        RuleBook book = book("""
                rule "Digest"
                when
                    The user did "search_performed"
                then
                    Trigger "digest" with "topic" set to "search" and "channel" set to "email"
                end
                """);
        Simulation.Result sim = simulate(book, Map.of(), track("search_performed", "+1h"));
        assertEquals(
                Map.of("topic", "search", "channel", "email"),
                sim.actions().get(0).payload());
    }

    @Test
    void shouldFireWhenEitherSideOfAnOrHoldsAndOnlyOnce() {
        RuleBook book = book("""
                rule "Engaged"
                when
                    The user has reached "nothing_yet"
                    or The user did "search_performed" at least 2 times
                    or The user did "list_created"
                    The user never did "account_deleted"
                then
                    Trigger "engaged"
                end
                """);
        assertEquals(List.of("engaged"), actions(simulate(book, Map.of(), track("list_created", "+1h"))));
        assertEquals(
                List.of("engaged"),
                actions(simulate(
                        book,
                        Map.of(),
                        track("search_performed", "+1h"),
                        track("search_performed", "+2h"),
                        track("list_created", "+3h"))));
        assertEquals(List.of(), actions(simulate(book, Map.of(), track("search_performed", "+1h"))));
        assertEquals(
                List.of(),
                actions(simulate(book, Map.of(), track("account_deleted", "+1h"), track("list_created", "+2h"))));
    }

    @Test
    void shouldRefuseOrWithNothingAboveIt() {
        RuleCompiler.Result r = compile(Map.of("brief.dslr", HEAD + """
                rule "Or first"
                when
                    or The user did "list_created"
                then
                    Trigger "x"
                end
                """));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertEquals(6, r.problems().get(0).line());
        assertTrue(
                r.problems().get(0).message().contains("there is none above"),
                r.problems().toString());
    }

    @Test
    void shouldAddTheFolderPhrasesToTheBuiltInOnesAndReportAMalformedPhraseLine() {
        String custom = """
                # our own words
                [condition][]The user is a power user=Activity( event == "search_performed", count >= 100 )
                [keyword][]nudge=trigger
                """;
        RuleCompiler.Result bad =
                compile(Map.of("ours.dsl", custom, "brief.dslr", HEAD + "rule \"x\"\nwhen\nthen\nend\n"));
        assertEquals(1, bad.problems().size(), bad.problems().toString());
        assertEquals(
                new RuleProblem(
                        "ours.dsl",
                        3,
                        2,
                        "[keyword] is not a place for a phrase: use [condition] (after "
                                + "\"when\"), [consequence] (after \"then\") or [metadata] (before \"when\")"),
                bad.problems().get(0));

        RuleCompiler.Result ok =
                compile(Map.of("ours.dsl", custom.replace("[keyword][]nudge=trigger\n", ""), "brief.dslr", HEAD + """
                        rule "Power"
                        when
                            The user is a power user
                            The user's "plan" is "free"
                        then
                            Trigger "offer_pro"
                        end
                        """));
        assertTrue(ok.ok(), ok.problems().toString());
    }

    @Test
    void shouldListEveryBuiltInPhraseWithItsCode() {
        Phrases phrases = Phrases.of(Map.of(), new java.util.ArrayList<>());
        assertTrue(
                phrases.list().stream()
                        .anyMatch(p -> p.section() == Phrases.Section.CONDITION
                                && p.text().equals("The user did \"{event}\" at least {n} times")
                                && p.code().equals("Activity( event == \"{event}\", count >= {n} )")
                                && p.file().equals("milepost.dsl")),
                phrases.list().toString());
        assertTrue(phrases.list().stream()
                .anyMatch(p -> p.section() == Phrases.Section.CONSEQUENCE
                        && p.text().equals("Trigger \"{action}\" with {entries}")));
    }

    @Test
    void shouldSayARulesMilestoneWindowAndScheduleInWords() {
        RuleBook book = book("""
                rule "Interest"
                    Milestone "interest"
                    Step 1 of the journey
                    Reached within 36 hours
                when
                    The user did "search_performed"
                then
                    Record the milestone "interest"
                end

                rule "Digest"
                    Every 7 days
                    Keep 10% of users as a control group
                when
                    The user has reached "interest"
                then
                    Trigger "digest"
                end

                rule "Tip"
                    At most once every 3 days
                when
                    The user did "search_performed"
                then
                    Trigger "tip"
                end
                """);
        MilestoneDefinition interest = book.milestones().get(0);
        assertEquals("interest", interest.name());
        assertEquals(1, interest.order());
        assertEquals(java.time.Duration.ofHours(36), interest.within());
        assertEquals(
                java.time.Duration.ofDays(7), book.rule("Digest").orElseThrow().every());
        assertEquals(0.10, book.rule("Digest").orElseThrow().holdout(), 1e-9);
        assertEquals(
                java.time.Duration.ofDays(3), book.rule("Tip").orElseThrow().repeat());
    }

    @Test
    void shouldReadTypographicQuotesAsPlainOnes() {
        RuleBook book = book("""
                rule "Curly"
                when
                    The user’s “plan” is “team”
                then
                    Trigger “team_tips”
                end
                """);
        assertEquals(List.of("team_tips"), actions(simulate(book, Map.of("plan", "team"))));
    }

    @Test
    void shouldWarnOnceAboutAnActionNoEndpointReceives() {
        RuleCompiler.Result r = compile(Map.of("brief.dslr", HEAD + """
                rule "Tips"
                when
                    The user did "search_performed"
                then
                    Trigger "tips"
                    Trigger "digest"
                end
                rule "More tips"
                when
                    The user did "list_created"
                then
                    Trigger "tips"
                end
                """));
        assertTrue(r.ok(), r.problems().toString());
        List<RuleProblem> warnings = RuleWarnings.of(r.sources(), r.book(), action -> action.equals("digest"));
        assertEquals(
                List.of(
                        new RuleProblem(
                                "brief.dslr",
                                8,
                                5,
                                "no enabled webhook endpoint receives action \"tips\": "
                                        + "it will be recorded and counted, and sent nowhere (in what the DSL makes of this line)")),
                warnings);
    }
}
