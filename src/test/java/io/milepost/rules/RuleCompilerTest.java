package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.MilestoneDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleCompilerTest {
    final RuleCompiler compiler = new RuleCompiler(getClass().getClassLoader());

    @Test
    void shouldReadTheMilestoneCatalogFromRuleMetadata() {
        RuleCompiler.Result r = compiler.compile(Map.of("a.drl", """
                rule "Second" @milestone("b") @order(2) @within("P7D") @after("a")
                when Milestone( name == "a" ) then reach("b"); end
                rule "First" @milestone("a") @order(1) @within("36h")
                when Activity( event == "x" ) then reach("a"); end
                rule "Nudge" @repeat("3d")
                when Milestone( name == "a" ) then trigger("nudge"); end
                """));
        assertTrue(r.ok(), r.problems().toString());
        List<MilestoneDefinition> catalog = r.book().milestones();
        assertEquals(
                List.of("a", "b"),
                catalog.stream().map(MilestoneDefinition::name).toList());
        assertEquals(Duration.ofHours(36), catalog.get(0).within());
        assertEquals("a", catalog.get(1).after());
        assertEquals(Duration.ofDays(3), r.book().rule("Nudge").orElseThrow().repeat());
        assertEquals("a.drl", r.book().rule("First").orElseThrow().file());
        assertEquals(12, r.book().version().length());
    }

    @Test
    void shouldReadAScheduleAndRefuseItWhereItCannotMeanAnything() {
        RuleCompiler.Result ok = compiler.compile(Map.of("a.drl", """
                rule "Digest" @every("7d")
                when Activity( event == "x" ) then trigger("digest"); end
                """));
        assertTrue(ok.ok(), ok.problems().toString());
        assertEquals(Duration.ofDays(7), ok.book().rule("Digest").orElseThrow().every());
        assertEquals(Duration.ofDays(7), ok.book().rule("Digest").orElseThrow().again());

        RuleCompiler.Result both = compiler.compile(Map.of("a.drl", """
                rule "Digest"
                    @every("7d") @repeat("3d")
                when Activity( event == "x" ) then trigger("digest"); end
                """));
        assertEquals(
                List.of(
                        new RuleProblem(
                                "a.drl",
                                2,
                                5,
                                "rule \"Digest\": @every and @repeat cannot both be on one rule: "
                                        + "@every sends on a schedule, @repeat at most that often when the user is next looked at")),
                both.problems());
        RuleCompiler.Result milestone = compiler.compile(Map.of("a.drl", """
                rule "First" @milestone("a") @every("1d")
                when Activity( event == "x" ) then reach("a"); end
                """));
        assertEquals(1, milestone.problems().size(), milestone.problems().toString());
        assertTrue(
                milestone
                        .problems()
                        .get(0)
                        .message()
                        .endsWith("@every belongs on an action rule, not on a milestone rule"),
                milestone.problems().toString());
    }

    @Test
    void shouldReportCompileErrorsWithFileAndLine() {
        RuleCompiler.Result r = compiler.compile(Map.of(
                "good.drl",
                "rule \"ok\" when Activity() then end\n",
                "bad.drl",
                "package rules;\n\nrule \"broken\"\nwhen\n    Activity( nosuchfield == 1 )\nthen\nend\n"));
        assertFalse(r.ok());
        RuleProblem p = r.problems().get(0);
        assertEquals("bad.drl", p.file());
        assertEquals(5, p.line(), p.toString());
    }

    @Test
    void shouldKeepLineNumbersOfAFileThatStartsWithBlankLines() {
        RuleCompiler.Result r = compiler.compile(Map.of(
                "blank.drl",
                "\n\npackage rules;\n\nrule \"broken\"\nwhen\n    Activity( nosuchfield == 1 )\nthen\nend\n"));
        assertEquals(7, r.problems().get(0).line(), r.problems().toString());
    }

    @Test
    void shouldRefuseMetadataThatDoesNotAddUp() {
        assertFalse(compiler.compile(Map.of("a.drl", "rule \"x\" @milestone(\"a\") @within(\"soon\") when then end"))
                .ok());
        assertFalse(compiler.compile(
                        Map.of("a.drl", "rule \"x\" @milestone(\"a\") @within(\"1d\") @after(\"ghost\") when then end"))
                .ok());
        assertFalse(compiler.compile(Map.of(
                        "a.drl",
                        "rule \"x\" @milestone(\"a\") @order(1) when then end\n"
                                + "rule \"y\" @milestone(\"a\") @order(2) when then end"))
                .ok());
    }

    @Test
    void shouldKeepTheSameVersionForTheSameFiles() {
        Map<String, String> files = Map.of("a.drl", "rule \"x\" when then end");
        assertEquals(
                compiler.compile(files).book().version(),
                compiler.compile(files).book().version());
        assertFalse(compiler.compile(files)
                .book()
                .version()
                .equals(compiler.compile(Map.of("a.drl", "rule \"y\" when then end"))
                        .book()
                        .version()));
    }
}
