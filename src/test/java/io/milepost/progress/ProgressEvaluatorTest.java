package io.milepost.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.rules.RuleCompiler;
import io.milepost.rules.RuleTexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Progress read from compiled rules, one kind of condition at a time, each written in DRL and with
 * the shipped plain-English phrases (rules/milepost.dsl). No server: rule files in, a user's state
 * in, what the dashboard shows out.
 */
class ProgressEvaluatorTest {
    static final Instant SIGNUP = Instant.parse("2026-11-02T09:00:00Z");

    /** The shipped rules folder, plus extra files. */
    static Map<String, String> shipped(Map<String, String> extra) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.list(Path.of("rules"))) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                if (RuleCompiler.isRuleFile(p.getFileName().toString())) {
                    files.put(p.getFileName().toString(), Files.readString(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.putAll(extra);
        return files;
    }

    /** The DSL alone with one DSLR file. */
    static Map<String, String> dsl(String dslr) {
        Map<String, String> files = new TreeMap<>(shipped(Map.of()));
        files.keySet().removeIf(f -> !f.endsWith(".dsl"));
        files.put("test.dslr", "package rules;\nexpander milepost.dsl\n\n" + dslr);
        return files;
    }

    static Map<String, String> drl(String rules) {
        return Map.of("test.drl", "package rules;\n\n" + rules);
    }

    static ProgressView progress(Map<String, String> files, UserState user, Instant now) {
        RuleCompiler.Result r = new RuleCompiler(ProgressEvaluatorTest.class.getClassLoader()).compile(files);
        assertTrue(r.ok(), () -> r.problems().toString());
        RuleBook book = r.book();
        return new ProgressEvaluator().evaluate(book, RuleTexts.of(files), user, now);
    }

    static UserState user(Map<String, Object> traits) {
        UserState s = new UserState("nina", true, traits, SIGNUP, false, null);
        return s;
    }

    static UserState did(UserState s, String event, int times, Instant at) {
        for (int i = 0; i < times; i++) {
            s.history(event).record(at.plusSeconds(i));
        }
        return s;
    }

    static ProgressView.MilestoneProgress milestone(ProgressView p, String name) {
        return p.milestones().stream()
                .filter(m -> m.milestone().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no milestone " + name + " in " + p));
    }

    static ProgressView.RuleProgress rule(ProgressView p, String milestone, String rule) {
        return milestone(p, milestone).rules().stream()
                .filter(r -> r.rule().equals(rule))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rule " + rule + " in " + milestone(p, milestone)));
    }

    static ProgressView.RuleProgress onlyRule(ProgressView p, String milestone) {
        List<ProgressView.RuleProgress> rules = milestone(p, milestone).rules();
        assertEquals(1, rules.size(), rules::toString);
        return rules.get(0);
    }

    // count threshold

    @Test
    void shouldShowSearchesAndListsAgainstTheirThresholdsInTheShippedDrl() {
        UserState nina = did(user(Map.of()), "search_performed", 4, SIGNUP.plusSeconds(600));
        ProgressView p = progress(shipped(Map.of()), nina, SIGNUP.plus(Duration.ofDays(2)));

        ProgressView.RuleProgress firstValue = rule(p, "first_value", "First Value: 5 searches and a list");
        assertEquals("milestones.drl", firstValue.file());
        assertEquals(false, firstValue.holds());
        ProgressView.Condition searches = firstValue.conditions().get(0);
        assertEquals("Activity( event == \"search_performed\", count >= 5 )", searches.text());
        assertEquals(10, searches.line());
        assertTrue(searches.explained());
        assertEquals(false, searches.holds());
        assertEquals("search_performed", searches.event());
        assertEquals(4L, searches.current().longValue());
        assertEquals(5L, searches.required().longValue());
        assertEquals(">=", searches.operator());
        ProgressView.Condition lists = firstValue.conditions().get(1);
        assertEquals("list_created", lists.event());
        assertEquals(0L, lists.current().longValue(), "an event never sent counts 0");
        assertEquals(1L, lists.required().longValue());
        assertEquals(false, lists.holds());

        did(nina, "search_performed", 1, SIGNUP.plusSeconds(7200));
        ProgressView after = progress(shipped(Map.of()), nina, SIGNUP.plus(Duration.ofDays(2)));
        ProgressView.Condition fifth = rule(after, "first_value", "First Value: 5 searches and a list")
                .conditions()
                .get(0);
        assertEquals(true, fifth.holds());
        assertEquals(5L, fifth.current().longValue());
    }

    @Test
    void shouldShowTheAuthorsPhraseForACountThresholdWrittenInTheDsl() {
        ProgressView p = progress(shipped(Map.of()), user(Map.of()), SIGNUP.plusSeconds(60));

        ProgressView.RuleProgress interest = onlyRule(p, "interest");
        assertEquals("interest.dslr", interest.file());
        ProgressView.Condition c = interest.conditions().get(0);
        assertEquals("The user did \"search_performed\" at least 1 time", c.text());
        assertEquals("Activity( event == \"search_performed\", count >= 1 )", c.drl());
        assertEquals(10, c.line());
        assertEquals(false, c.holds());
        assertEquals(0L, c.current().longValue());
        assertEquals(1L, c.required().longValue());
        assertEquals(false, interest.holds());
    }

    // countWithin

    @Test
    void shouldCountOnlyTheFirstDaysForCountWithinInDrlAndDsl() {
        // 2 searches on the signup day, 3 more on day 9: 2 within 7 days, 5 in all
        UserState nina = did(
                did(user(Map.of()), "search_performed", 2, SIGNUP.plusSeconds(60)),
                "search_performed",
                3,
                SIGNUP.plus(Duration.ofDays(9)));
        Instant now = SIGNUP.plus(Duration.ofDays(10));
        ProgressView drl = progress(drl("""
                rule "Early habit" @milestone("early_habit") @order(1)
                when
                    Activity( event == "search_performed", countWithin(7) >= 3 )
                then
                    reach("early_habit");
                end
                """), nina, now);
        ProgressView dsl = progress(dsl("""
                rule "Early habit" @milestone("early_habit") @order(1)
                when
                    The user did "search_performed" at least 3 times within 7 days of signup
                then
                    Record the milestone "early_habit"
                end
                """), nina, now);
        for (ProgressView p : List.of(drl, dsl)) {
            ProgressView.Condition c = onlyRule(p, "early_habit").conditions().get(0);
            assertEquals(false, c.holds(), c::toString);
            assertEquals(2L, c.current().longValue(), c::toString);
            assertEquals(3L, c.required().longValue());
            assertEquals("countWithin(7) >= 3", c.checks().get(1).text());
        }
        assertEquals(
                "The user did \"search_performed\" at least 3 times within 7 days of signup",
                onlyRule(dsl, "early_habit").conditions().get(0).text());
    }

    // countInLast

    @Test
    void shouldCountTheLastDaysUpToTheClocksDayForCountInLastInDrlAndDsl() {
        Instant now = SIGNUP.plus(Duration.ofDays(20));
        UserState nina = did(
                did(user(Map.of()), "search_performed", 5, SIGNUP.plusSeconds(60)),
                "search_performed",
                2,
                now.minus(Duration.ofDays(1)));
        ProgressView drl = progress(drl("""
                rule "Active" @milestone("active") @order(1)
                when
                    Activity( event == "search_performed", countInLast(7) >= 3 )
                then
                    reach("active");
                end
                """), nina, now);
        ProgressView dsl = progress(dsl("""
                rule "Active" @milestone("active") @order(1)
                when
                    The user did "search_performed" at least 3 times in the last 7 days
                then
                    Record the milestone "active"
                end
                """), nina, now);
        for (ProgressView p : List.of(drl, dsl)) {
            ProgressView.Condition c = onlyRule(p, "active").conditions().get(0);
            assertEquals(false, c.holds());
            assertEquals(2L, c.current().longValue(), "2 of the 7 searches were in the last 7 days");
            assertEquals(3L, c.required().longValue());
        }
        did(nina, "search_performed", 1, now.minusSeconds(60));
        ProgressView.Condition third =
                onlyRule(progress(drl("""
                rule "Active" @milestone("active") @order(1)
                when
                    Activity( event == "search_performed", countInLast(7) >= 3 )
                then
                    reach("active");
                end
                """), nina, now), "active").conditions().get(0);
        assertEquals(true, third.holds());
        assertEquals(3L, third.current().longValue());
    }

    // activeWeeksInLast

    @Test
    void shouldCountActiveWeeksForTheShippedContinuedValueAndItsDslPhrase() {
        Instant now = SIGNUP.plus(Duration.ofDays(30));
        UserState nina = did(
                did(user(Map.of()), "search_performed", 1, now.minus(Duration.ofDays(1))),
                "search_performed",
                1,
                now.minus(Duration.ofDays(9)));
        nina.milestones().put("first_value", new UserState.Reached("first_value", SIGNUP.plusSeconds(3600), "r"));
        nina.milestones()
                .put(
                        "value_realization",
                        new UserState.Reached("value_realization", SIGNUP.plus(Duration.ofDays(2)), "r"));
        ProgressView drl = progress(shipped(Map.of()), nina, now);
        ProgressView dsl = progress(dsl("""
                rule "Habit" @milestone("habit") @order(1)
                when
                    The user did "search_performed" in at least 3 of the last 4 weeks
                then
                    Record the milestone "habit"
                end
                """), nina, now);
        ProgressView.Condition weeks =
                onlyRule(drl, "continued_value").conditions().get(1);
        assertEquals("Activity( event == \"search_performed\", activeWeeksInLast(4) >= 3 )", weeks.text());
        ProgressView.Condition phrase = onlyRule(dsl, "habit").conditions().get(0);
        assertEquals("The user did \"search_performed\" in at least 3 of the last 4 weeks", phrase.text());
        for (ProgressView.Condition c : List.of(weeks, phrase)) {
            assertEquals(false, c.holds());
            assertEquals(2, c.current().intValue(), "active in 2 of the last 4 weeks");
            assertEquals(3, c.required().intValue());
        }
    }

    // trait comparison

    @Test
    void shouldCompareATraitWithTheUsersValueInDrlAndDsl() {
        UserState free = user(Map.of("plan", "free"));
        free.milestones().put("value_realization", new UserState.Reached("value_realization", SIGNUP, "r"));
        ProgressView drl = progress(shipped(Map.of()), free, SIGNUP.plus(Duration.ofDays(1)));
        ProgressView dsl = progress(dsl("""
                rule "On the team plan" @milestone("team") @order(1)
                when
                    The user's "plan" is "team"
                then
                    Record the milestone "team"
                end
                """), free, SIGNUP.plus(Duration.ofDays(1)));

        ProgressView.Condition drlTrait = rule(drl, "value_growth", "Value Growth: on the team plan")
                .conditions()
                .get(1);
        assertEquals("User( trait(\"plan\") == \"team\" )", drlTrait.text());
        ProgressView.Condition dslTrait = onlyRule(dsl, "team").conditions().get(0);
        assertEquals("The user's \"plan\" is \"team\"", dslTrait.text());
        for (ProgressView.Condition c : List.of(drlTrait, dslTrait)) {
            assertEquals(false, c.holds());
            assertTrue(c.explained());
            assertEquals("User", c.fact());
            ProgressView.Check check = c.checks().get(0);
            assertEquals("free", check.current());
            assertEquals("team", check.required());
            assertEquals("==", check.operator());
            assertEquals(false, check.holds());
            assertNull(c.current(), "a trait's value is no threshold");
        }
        UserState team = user(Map.of("plan", "team"));
        team.milestones().put("value_realization", new UserState.Reached("value_realization", SIGNUP, "r"));
        ProgressView.RuleProgress teamPlan = rule(
                progress(shipped(Map.of()), team, SIGNUP.plus(Duration.ofDays(1))),
                "value_growth",
                "Value Growth: on the team plan");
        assertEquals(true, teamPlan.holds());
    }

    // milestone prerequisite

    @Test
    void shouldShowWhetherThePrerequisiteMilestoneIsReachedInDrlAndDsl() {
        UserState nina = did(user(Map.of()), "export_completed", 1, SIGNUP.plusSeconds(60));
        Instant now = SIGNUP.plus(Duration.ofDays(1));
        String dslRule = """
                rule "Export after first value" @milestone("exporter") @order(9)
                when
                    The user has reached "first_value"
                    The user did "export_completed" at least 1 times
                then
                    Record the milestone "exporter"
                end
                """;
        ProgressView drl = progress(shipped(Map.of()), nina, now);
        ProgressView dsl = progress(dsl(dslRule), nina, now);
        ProgressView.RuleProgress drlRule = onlyRule(drl, "value_realization");
        ProgressView.RuleProgress dslRuleProgress = onlyRule(dsl, "exporter");
        assertEquals(
                "Milestone( name == \"first_value\" )",
                drlRule.conditions().get(0).text());
        assertEquals(
                "The user has reached \"first_value\"",
                dslRuleProgress.conditions().get(0).text());
        for (ProgressView.RuleProgress r : List.of(drlRule, dslRuleProgress)) {
            ProgressView.Condition prerequisite = r.conditions().get(0);
            assertEquals(false, prerequisite.holds());
            assertEquals("Milestone", prerequisite.fact());
            assertEquals(true, r.conditions().get(1).holds(), "the export is there");
            assertEquals(false, r.holds());
        }
        nina.milestones().put("first_value", new UserState.Reached("first_value", SIGNUP.plusSeconds(30), "r"));
        ProgressView.Condition reached = onlyRule(progress(dsl(dslRule), nina, now), "exporter")
                .conditions()
                .get(0);
        assertEquals(true, reached.holds());
        assertEquals("first_value", reached.milestone());
        assertEquals(
                "value_realization",
                milestone(progress(shipped(Map.of()), nina, now), "value_realization")
                        .milestone());
        assertEquals(
                true,
                onlyRule(progress(shipped(Map.of()), nina, now), "value_realization")
                        .holds());
    }

    // not

    @Test
    void shouldExplainANotOverOnePatternInDrlAndDsl() {
        String drlRule = """
                rule "Clean" @milestone("clean") @order(1)
                when
                    not Activity( event == "list_deleted" )
                then
                    reach("clean");
                end
                """;
        String dslRule = """
                rule "Clean" @milestone("clean") @order(1)
                when
                    The user never did "list_deleted"
                then
                    Record the milestone "clean"
                end
                """;
        UserState never = did(user(Map.of()), "search_performed", 1, SIGNUP);
        UserState did = did(user(Map.of()), "list_deleted", 1, SIGNUP);
        Instant now = SIGNUP.plusSeconds(3600);
        for (Map<String, String> files : List.of(drl(drlRule), dsl(dslRule))) {
            ProgressView.Condition holds =
                    onlyRule(progress(files, never, now), "clean").conditions().get(0);
            ProgressView.Condition fails =
                    onlyRule(progress(files, did, now), "clean").conditions().get(0);
            assertEquals("not", holds.kind());
            assertTrue(holds.explained());
            assertEquals(true, holds.holds());
            assertEquals(false, fails.holds());
            assertEquals("list_deleted", fails.event());
        }
        assertEquals(
                "not Activity( event == \"list_deleted\" )",
                onlyRule(progress(drl(drlRule), never, now), "clean")
                        .conditions()
                        .get(0)
                        .text());
        assertEquals(
                "The user never did \"list_deleted\"",
                onlyRule(progress(dsl(dslRule), never, now), "clean")
                        .conditions()
                        .get(0)
                        .text());
    }

    // or, eval, accumulate, other variables, the current event: not explained

    @Test
    void shouldNotGuessConditionsItCannotExplainInDrl() {
        UserState nina = did(did(user(Map.of()), "search_performed", 5, SIGNUP), "list_created", 2, SIGNUP);
        ProgressView p = progress(drl("""
                rule "Odd" @milestone("odd") @order(1)
                when
                    $s : Activity( event == "search_performed", count >= 1 )
                    Activity( event == "list_created" ) or Activity( event == "list_shared" )
                    eval( 1 + 1 == 2 )
                    Number( intValue >= 3 ) from accumulate( Activity( $c : count ), sum( $c ) )
                    Activity( event == "list_created", count < $s.count )
                    Event( name == "export_completed" )
                then
                    reach("odd");
                end
                """), nina, SIGNUP.plusSeconds(60));
        ProgressView.RuleProgress odd = onlyRule(p, "odd");
        List<ProgressView.Condition> c = odd.conditions();
        assertEquals(6, c.size());
        assertEquals(true, c.get(0).holds());
        assertTrue(c.get(0).explained());
        assertEquals(
                List.of("or", "eval", "accumulate", "pattern", "pattern"),
                c.subList(1, 6).stream().map(ProgressView.Condition::kind).toList());
        for (ProgressView.Condition unexplained : c.subList(1, 6)) {
            assertFalse(unexplained.explained(), unexplained::toString);
            assertNull(unexplained.holds(), unexplained::toString);
            assertNotNull(unexplained.reason());
        }
        assertEquals(
                "Activity( event == \"list_created\" ) or Activity( event == \"list_shared\" )",
                c.get(1).text());
        assertTrue(c.get(1).reason().contains("'or'"), c.get(1).reason());
        assertTrue(c.get(4).reason().contains("$s"), c.get(4).reason());
        assertTrue(c.get(5).reason().contains("event being processed"), c.get(5).reason());
        assertNull(odd.holds(), "what can be explained holds; the rest is unknown, not false");
    }

    @Test
    void shouldNotGuessDrlLinesInADslrAndStillFailTheRuleOnAnExplainedCondition() {
        ProgressView p = progress(dsl("""
                rule "Mixed" @milestone("mixed") @order(1)
                when
                    The user did "search_performed" at least 2 times
                    > eval( true )
                then
                    Record the milestone "mixed"
                end
                """), did(user(Map.of()), "search_performed", 1, SIGNUP), SIGNUP.plusSeconds(60));
        ProgressView.RuleProgress mixed = onlyRule(p, "mixed");
        assertEquals(
                "The user did \"search_performed\" at least 2 times",
                mixed.conditions().get(0).text());
        assertEquals("eval( true )", mixed.conditions().get(1).text());
        assertFalse(mixed.conditions().get(1).explained());
        assertEquals(false, mixed.holds(), "one explained condition fails: the rule does not hold");
    }

    // texts, windows

    @Test
    void shouldRebuildConditionsFromTheCompiledRuleWithoutTheFiles() {
        RuleCompiler.Result r = new RuleCompiler(getClass().getClassLoader()).compile(shipped(Map.of()));
        ProgressView p = new ProgressEvaluator().evaluate(r.book(), RuleTexts.none(), user(Map.of()), SIGNUP);
        ProgressView.Condition c = rule(p, "first_value", "First Value: 5 searches and a list")
                .conditions()
                .get(0);
        assertEquals("Activity( event == \"search_performed\", count >= 5 )", c.text());
        assertNull(c.line());
        assertEquals(
                "Activity( event == \"search_performed\", count >= 1 )",
                onlyRule(p, "interest").conditions().get(0).text());
    }

    @Test
    void shouldShowEachWindowAsOpenClosedNotStartedOrNone() {
        UserState nina = did(user(Map.of()), "search_performed", 1, SIGNUP.plusSeconds(60));
        nina.milestones()
                .put("interest", new UserState.Reached("interest", SIGNUP.plusSeconds(60), "Interest: first search"));
        Instant now = SIGNUP.plus(Duration.ofDays(5));
        ProgressView p = progress(shipped(Map.of()), nina, now);

        assertEquals("interest", p.stage());
        ProgressView.MilestoneProgress interest = milestone(p, "interest");
        assertTrue(interest.reached());
        assertEquals("Interest: first search", interest.reachedBy());
        assertEquals(List.of(), interest.rules());
        assertEquals("closed", interest.window().state());

        ProgressView.Window firstValue = milestone(p, "first_value").window();
        assertEquals("open", firstValue.state());
        assertEquals(SIGNUP, firstValue.opensAt());
        assertEquals(SIGNUP.plus(Duration.ofDays(7)), firstValue.closesAt());
        assertEquals(Duration.ofDays(2), firstValue.closesIn());
        assertEquals("not_started", milestone(p, "value_realization").window().state());
        assertEquals("none", milestone(p, "value_growth").window().state());
        assertEquals(
                List.of("interest", "first_value", "value_realization", "continued_value", "value_growth"),
                p.milestones().stream()
                        .map(ProgressView.MilestoneProgress::milestone)
                        .toList());

        ProgressView later = progress(shipped(Map.of()), nina, SIGNUP.plus(Duration.ofDays(7)));
        assertEquals("closed", milestone(later, "first_value").window().state());
        assertNull(milestone(later, "first_value").window().closesIn());
    }
}
