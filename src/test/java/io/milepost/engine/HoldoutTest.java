package io.milepost.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.rules.RuleCompiler;
import io.milepost.rules.RuleProblem;
import io.milepost.support.Deadlines;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code @holdout}: its metadata, and who is in the control group. */
class HoldoutTest {
    final RuleCompiler compiler = new RuleCompiler(getClass().getClassLoader());

    @Test
    void shouldReadAPercentage() {
        assertEquals(0.10, Holdout.parse("10%"), 1e-12);
        assertEquals(0.025, Holdout.parse(" 2.5 %"), 1e-12);
        for (String bad : List.of("10", "0%", "100%", "-5%", "ten%", "%", "")) {
            assertThrows(IllegalArgumentException.class, () -> Holdout.parse(bad), bad);
        }
    }

    @Test
    void shouldKeepTheSameUsersOutEveryTime() {
        for (int i = 0; i < 500; i++) {
            String user = "user-" + i;
            boolean first = Holdout.heldOut(user, "suggest_invite", 0.1);
            for (int again = 0; again < 3; again++) {
                assertEquals(first, Holdout.heldOut(user, "suggest_invite", 0.1), user);
            }
            // a larger share keeps everyone a smaller one held out
            assertTrue(!first || Holdout.heldOut(user, "suggest_invite", 0.2), user);
        }
    }

    @Test
    void shouldHoldOutAShareWithinStatisticalBoundsAndIndependentlyPerAction() {
        // 2,000 users at 10%: expected 200, standard deviation sqrt(2000 * 0.1 * 0.9) = 13.4;
        // the bounds are 4 standard deviations (a fair coin leaves them once in ~16,000 runs).
        Set<String> invite = heldOut(2000, "suggest_invite", 0.1);
        Set<String> rescue = heldOut(2000, "rescue_value_realization", 0.1);
        assertTrue(invite.size() >= 146 && invite.size() <= 254, "held out of suggest_invite: " + invite.size());
        assertTrue(
                rescue.size() >= 146 && rescue.size() <= 254, "held out of rescue_value_realization: " + rescue.size());
        // independent actions: about 1% of users (20) are held out of both, sd 4.4
        long both = invite.stream().filter(rescue::contains).count();
        assertTrue(both >= 3 && both <= 38, "held out of both: " + both);
        Set<String> half = heldOut(2000, "suggest_invite", 0.5);
        assertTrue(half.size() >= 910 && half.size() <= 1090, "held out at 50%: " + half.size());
    }

    private static Set<String> heldOut(int users, String action, double share) {
        return IntStream.range(0, users)
                .mapToObj(i -> "u" + i)
                .filter(u -> Holdout.heldOut(u, action, share))
                .collect(Collectors.toSet());
    }

    @Test
    void shouldRefuseABadHoldoutWithFileAndLine() {
        RuleCompiler.Result r = compiler.compile(Map.of("nudges.drl", """
                package rules;

                rule "Nudge"
                    @repeat("3d")
                    @holdout("ten percent")
                when
                    Milestone( name == "a" )
                then
                    trigger("nudge");
                end
                """));
        assertFalse(r.ok());
        RuleProblem p = r.problems().get(0);
        assertEquals("nudges.drl", p.file());
        assertEquals(5, p.line(), p.toString());
        assertEquals(5, p.column(), p.toString());
        assertTrue(p.message().contains("@holdout") && p.message().contains("ten percent"), p.message());

        assertFalse(compiler.compile(Map.of("a.drl", "rule \"x\" @holdout(\"100%\") when then end"))
                .ok());
        RuleCompiler.Result onMilestone = compiler.compile(
                Map.of("a.drl", "rule \"m\"\n  @milestone(\"a\") @holdout(\"10%\")\nwhen then reach(\"a\"); end"));
        assertFalse(onMilestone.ok());
        assertEquals(
                2, onMilestone.problems().get(0).line(), onMilestone.problems().toString());
        assertTrue(
                onMilestone.problems().get(0).message().contains("action rule"),
                onMilestone.problems().toString());
    }

    @Test
    void shouldRecordHeldOutActionsOncePerUser() {
        RuleCompiler.Result r = compiler.compile(Map.of("a.drl", """
                rule "Nudge" @holdout("50%")
                when Activity( event == "x" ) then trigger("nudge"); end
                """));
        assertTrue(r.ok(), r.problems().toString());
        assertEquals(0.5, r.book().rule("Nudge").orElseThrow().holdout());
        JourneyEngine engine = new JourneyEngine(1000, Deadlines.EVALUATION);
        String out = IntStream.range(0, 100)
                .mapToObj(i -> "h" + i)
                .filter(u -> Holdout.heldOut(u, "nudge", 0.5))
                .findFirst()
                .orElseThrow();
        String in = IntStream.range(0, 100)
                .mapToObj(i -> "h" + i)
                .filter(u -> !Holdout.heldOut(u, "nudge", 0.5))
                .findFirst()
                .orElseThrow();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        for (String user : List.of(out, in)) {
            UserState state = UserState.fresh(user);
            Outcomes first =
                    engine.apply(r.book(), state, List.of(JourneyEngine.Input.track("m1" + user, "x", Map.of(), t)));
            assertEquals(1, first.actions.size());
            assertEquals(user.equals(out), first.actions.get(0).heldOut(), user);
            Outcomes second = engine.apply(
                    r.book(), state, List.of(JourneyEngine.Input.track("m2" + user, "x", Map.of(), t.plusSeconds(60))));
            assertTrue(second.actions.isEmpty(), "held out or not, the action fired once: " + second.actions);
        }
    }
}
