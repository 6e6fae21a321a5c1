package io.milepost.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/** {@link BenchProfile} with a copy of the shipped rules, to which the replay benchmark adds a milestone. */
public class ReplayBenchProfile extends BenchProfile {
    static final Path DIR = Path.of(System.getProperty("bench.target", "target"))
            .resolve("bench-rules")
            .toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Files.createDirectories(DIR);
            try (Stream<Path> old = Files.list(DIR)) {
                for (Path f : old.filter(Files::isRegularFile).toList()) {
                    Files.delete(f);
                }
            }
            try (Stream<Path> files = Files.list(Path.of("rules"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, DIR.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> c = new java.util.HashMap<>(super.getConfigOverrides());
        c.put("milepost.rules.dir", DIR.toString());
        return c;
    }
}
