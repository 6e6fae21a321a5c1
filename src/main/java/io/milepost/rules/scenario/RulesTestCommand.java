package io.milepost.rules.scenario;

import io.milepost.engine.JourneyEngine;
import io.milepost.rules.RuleCompiler;
import io.milepost.rules.RuleProblem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code java -jar quarkus-run.jar test-rules [folder]}: compiles a rules folder and runs its
 * scenarios ({@code tests/*.json}) with the engine the service runs, then exits: 0 when every
 * scenario passes, 1 when one fails, 2 when the rules do not compile. No database, no HTTP: for a
 * rules repository's CI, with the packaged service and no source.
 */
public final class RulesTestCommand {
    public static final String NAME = "test-rules";

    private RulesTestCommand() {}

    /** Runs the folder's scenarios, writing a line per scenario and a summary to {@code out}; returns the exit status. */
    public static int run(Path folder, PrintStream out) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String rel = folder.relativize(p).toString().replace('\\', '/');
                if (RuleCompiler.isRuleFile(rel) && !rel.startsWith("tests/")) {
                    files.put(rel, Files.readString(p));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            out.println("cannot read the rules folder " + folder.toAbsolutePath() + ": " + e.getMessage());
            return 2;
        }
        RuleCompiler.Result compiled = new RuleCompiler(RulesTestCommand.class.getClassLoader()).compile(files);
        if (!compiled.ok()) {
            out.println("the rules in " + folder + " do not compile:");
            for (RuleProblem p : compiled.problems()) {
                out.println("  " + p.file() + ":" + p.line() + ":" + p.column() + " " + p.message());
            }
            return 2;
        }
        ScenarioRunner runner = new ScenarioRunner(new JourneyEngine(1000, Duration.ofSeconds(5)));
        int passed = 0;
        int failed = 0;
        for (ScenarioFiles.Entry entry : ScenarioFiles.read(folder.resolve("tests"))) {
            ScenarioResult result = runner.run(compiled.book(), entry);
            if (result.passed()) {
                passed++;
                out.println("PASS " + entry.file() + "  " + result.name());
            } else {
                failed++;
                out.println("FAIL " + entry.file() + "  " + (result.name() == null ? "" : result.name()));
                result.failures().forEach(f -> out.println("     " + f));
            }
        }
        out.println(passed + " passed, " + failed + " failed (rules "
                + compiled.book().version() + ", " + compiled.book().rules().size() + " rules)");
        return failed == 0 ? 0 : 1;
    }
}
