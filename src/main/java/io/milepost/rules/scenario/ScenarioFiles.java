package io.milepost.rules.scenario;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.JsonProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The scenario files of a rules folder ({@code tests/*.json}), read strictly: a misspelt field is
 * an error naming it, not an expectation silently dropped. One unreadable file does not keep the
 * others from running: it comes back as an entry with its error.
 */
public final class ScenarioFiles {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One file: its scenario, or why it is not one. */
    public record Entry(String file, Scenario scenario, String error) {}

    private ScenarioFiles() {}

    /** The files of {@code tests} in name order; none if the folder does not exist. */
    public static List<Entry> read(Path tests) {
        if (!Files.isDirectory(tests)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> paths = Files.list(tests)) {
            files = paths.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Entry> entries = new ArrayList<>();
        for (Path p : files) {
            String name = "tests/" + p.getFileName();
            try {
                entries.add(new Entry(name, JSON.readValue(Files.readString(p), Scenario.class), null));
            } catch (JacksonException e) {
                entries.add(new Entry(
                        name, null, "not a scenario: " + JsonProblem.of(e).getMessage()));
            } catch (IOException e) {
                entries.add(new Entry(name, null, "cannot be read: " + e.getMessage()));
            }
        }
        return entries;
    }
}
