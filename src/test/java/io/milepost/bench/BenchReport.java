package io.milepost.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A benchmark's printed table: lines go to the console and, at the end, to a file under target/. */
final class BenchReport {
    private final List<String> lines = new ArrayList<>();

    void log(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        lines.add(line);
    }

    /** Writes the lines to {@code target/<stem>-h2.txt} or {@code target/<stem>-postgresql.txt}. */
    void write(String stem) throws IOException {
        Path dir = Path.of(System.getProperty("bench.target", "target"));
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve(stem + "-" + (BenchProfile.postgres() ? "postgresql" : "h2") + ".txt"),
                String.join("\n", lines) + "\n");
    }
}
