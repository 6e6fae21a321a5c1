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
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs every scenario under rules/tests/ against the shipped rules, without the server. */
class RuleScenariosTest {
    static final Path RULES = Path.of("rules");
    static RuleBook book;

    @BeforeAll
    static void compileShippedRules() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.list(RULES)) {
            for (Path p : paths.filter(
                            p -> RuleCompiler.isRuleFile(p.getFileName().toString()))
                    .toList()) {
                files.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        RuleCompiler.Result result = new RuleCompiler(RuleScenariosTest.class.getClassLoader()).compile(files);
        assertTrue(result.ok(), () -> "shipped rules were refused: " + result.problems());
        book = result.book();
    }

    static Stream<ScenarioFiles.Entry> scenarios() {
        return ScenarioFiles.read(RULES.resolve("tests")).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void shippedScenarioPasses(ScenarioFiles.Entry entry) {
        assertNull(entry.error(), entry.file());
        Scenario scenario = entry.scenario();
        ScenarioResult result =
                new ScenarioRunner(new JourneyEngine(1000, Deadlines.EVALUATION)).run(book, scenario, entry.file());
        assertTrue(
                result.passed(),
                () -> entry.file() + " (" + scenario.name() + "):\n  " + String.join("\n  ", result.failures()));
    }
}
