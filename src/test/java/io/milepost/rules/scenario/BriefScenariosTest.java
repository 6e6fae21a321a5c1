package io.milepost.rules.scenario;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.RuleBook;
import io.milepost.rules.RuleCompiler;
import io.milepost.support.Deadlines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The harder cases of a marketer's brief (src/test/resources/brief): a weekly digest on a schedule
 * while a habit holds, a nudge for one plan within 48 hours of signup with two payload entries, a
 * condition with "or" and several plans, written in the built-in phrases and checked by scenarios.
 */
class BriefScenariosTest {
    static final Path BRIEF = Path.of("src/test/resources/brief");
    static RuleBook book;

    @BeforeAll
    static void compileTheBrief() throws IOException {
        RuleCompiler.Result result = new RuleCompiler(BriefScenariosTest.class.getClassLoader())
                .compile(Map.of("brief.dslr", Files.readString(BRIEF.resolve("brief.dslr"))));
        assertTrue(result.ok(), () -> "the brief's rules were refused: " + result.problems());
        book = result.book();
    }

    static Stream<ScenarioFiles.Entry> scenarios() {
        return ScenarioFiles.read(BRIEF.resolve("tests")).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void briefScenarioPasses(ScenarioFiles.Entry entry) {
        assertNull(entry.error(), entry.file());
        ScenarioResult result = new ScenarioRunner(new JourneyEngine(1000, Deadlines.EVALUATION))
                .run(book, entry.scenario(), entry.file());
        assertTrue(
                result.passed(),
                () -> entry.file() + " (" + entry.scenario().name() + "):\n  " + String.join("\n  ", result.failures())
                        + "\n  fired: " + result.fired());
    }
}
