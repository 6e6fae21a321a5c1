package io.milepost.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rules repository's CI: {@code java -jar quarkus-run.jar test-rules <folder>} runs the folder's
 * scenarios with the packaged service and no source, and says by its exit status whether they pass.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RulesTestCommandIT {

    record Run(int status, String output) {}

    static Run testRules(Path folder) throws IOException, InterruptedException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "test-rules",
                        folder.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), output);
        return new Run(p.exitValue(), output);
    }

    static Path copyOfShippedRules() throws IOException {
        Path folder = Files.createTempDirectory("milepost-rules");
        Files.createDirectories(folder.resolve("tests"));
        for (Path dir : List.of(Path.of("rules"), Path.of("rules/tests"))) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, folder.resolve(Path.of("rules").relativize(f)), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return folder;
    }

    @Test
    void shouldPassTheShippedScenarios() throws Exception {
        Run run = testRules(Path.of("rules").toAbsolutePath());
        assertEquals(0, run.status(), run.output());
        assertTrue(run.output().contains("PASS tests/no-first-value-in-a-week.json"), run.output());
        assertTrue(run.output().contains("6 passed, 0 failed"), run.output());
    }

    @Test
    void shouldFailWithTheScenarioThatFailsAndSayWhy() throws Exception {
        Path folder = copyOfShippedRules();
        Files.writeString(folder.resolve("tests/wrong.json"), """
                {"name": "expects too much", "events": [{"event": "search_performed", "at": "+1h"}],
                 "expect": {"milestones": [{"name": "first_value"}]}}
                """);
        Files.writeString(folder.resolve("tests/misspelt.json"), "{\"name\": \"x\", \"expected\": {}}");
        Run run = testRules(folder);
        assertEquals(1, run.status(), run.output());
        assertTrue(run.output().contains("FAIL tests/wrong.json  expects too much"), run.output());
        assertTrue(run.output().contains("expected milestone first_value to be reached, but it was not"), run.output());
        assertTrue(run.output().contains("FAIL tests/misspelt.json"), run.output());
        assertTrue(run.output().contains("unknown field \"expected\""), run.output());
        assertTrue(run.output().contains("6 passed, 2 failed"), run.output());
    }

    @Test
    void shouldRefuseRulesThatDoNotCompile() throws Exception {
        Path folder = copyOfShippedRules();
        Files.writeString(
                folder.resolve("broken.dslr"),
                "package rules;\nrule \"x\"\nwhen\n    The user did \"a\" a lot\nthen\nend\n");
        Run run = testRules(folder);
        assertEquals(2, run.status(), run.output());
        assertTrue(run.output().contains("broken.dslr:4:5 no condition phrase matches"), run.output());
    }
}
