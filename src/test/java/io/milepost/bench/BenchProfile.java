package io.milepost.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The benchmark's configuration on top of the test profile(s) the build chose. H2 runs against a
 * file database under target/bench-h2 (like production, not the test suite's in-memory one);
 * PostgreSQL runs (quarkus.test.profile containing "pg") keep the pgtest database. The server
 * listens on loopback, on a free port.
 */
public class BenchProfile implements QuarkusTestProfile {

    static boolean postgres() {
        return System.getProperty("quarkus.test.profile", "test").contains("pg");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> c = new HashMap<>();
        c.put("quarkus.http.host", "127.0.0.1");
        c.put("quarkus.http.test-host", "127.0.0.1");
        c.put("quarkus.http.test-port", "0");
        // The benchmark counts IngestService's conflict retries (debug messages) without printing them,
        // and keeps the expected constraint-violation warnings of those retries off the console.
        c.put("quarkus.log.category.\"io.milepost.ingest.IngestService\".level", "DEBUG");
        c.put("quarkus.log.console.level", "INFO");
        c.put("quarkus.log.category.\"org.hibernate.orm.jdbc.error\".level", "ERROR");
        if (!postgres()) {
            Path dir = Path.of(System.getProperty("bench.target", "target"))
                    .resolve("bench-h2")
                    .toAbsolutePath();
            c.put(
                    "quarkus.datasource.jdbc.url",
                    "jdbc:h2:file:" + dir.resolve("milepost") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000");
        }
        return c;
    }
}
