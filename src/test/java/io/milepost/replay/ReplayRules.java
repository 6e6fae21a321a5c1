package io.milepost.replay;

import static io.milepost.support.Api.admin;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The replay tests' rules folder: a copy of the shipped journey, to which {@link #addPowerSearch()}
 * adds a sixth milestone with a proactive and a reactive action (and a rule that throws on a
 * "poison" event, and one that overflows the stack on a "deep" event). Batches of 2 users, so that a handful of users takes several batches.
 */
public class ReplayRules implements QuarkusTestProfile {
    static final Path DIR = Path.of("target/test-rules/replay").toAbsolutePath();
    static final Path POWER = DIR.resolve("power.drl");

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Files.createDirectories(DIR);
            Files.deleteIfExists(POWER);
            try (Stream<Path> files = Files.list(Path.of("rules"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, DIR.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return Map.of("milepost.rules.dir", DIR.toString(), "milepost.replay.batch-size", "2");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shipped journey only. */
    static void useShippedRules() throws IOException {
        Files.deleteIfExists(POWER);
        admin().post("/v1/rules/reload").then().statusCode(200);
    }

    /** Adds "power_search" (10 searches within 2 days) and its actions; returns the new rules version. */
    static String addPowerSearch() throws IOException {
        Files.writeString(POWER, """
                package rules;

                rule "Power Search: ten searches"
                    @milestone("power_search") @order(6) @within("2d")
                when
                    Activity( event == "search_performed", count >= 10 )
                then
                    reach("power_search");
                end

                rule "Proactive: power searcher, suggest saved searches"
                when
                    Milestone( name == "power_search" )
                then
                    trigger("suggest_saved_searches");
                end

                rule "Reactive: no power search in two days"
                when
                    Stalled( milestone == "power_search" )
                then
                    trigger("rescue_power_search");
                end

                rule "Crashes on a poisoned event"
                when
                    Event( name == "poison" )
                then
                    throw new IllegalStateException("boom");
                end

                function int down(int n) {
                    return down(n + 1) + 1;
                }

                rule "Recurses on a deep event"
                when
                    Event( name == "deep" )
                then
                    down(0);
                end
                """);
        return admin().post("/v1/rules/reload").then().statusCode(200).extract().path("version");
    }
}
