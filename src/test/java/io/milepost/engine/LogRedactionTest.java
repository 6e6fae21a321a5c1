package io.milepost.engine;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * No user id at WARN or above: an erased user's id must not survive in the service log. Captures
 * every log record while a rule fails for a user, concurrent requests fight over creating that
 * user (the unique-key retries), and the user is erased.
 */
@QuarkusTest
@TestProfile(RuleFailureTest.BrokenRules.class)
class LogRedactionTest {

    /** Keeps every record at WARN or above. */
    static final class Capture extends Handler {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() < Level.WARNING.intValue()) {
                return;
            }
            StringBuilder b = new StringBuilder(r.getLoggerName() + ": ");
            b.append(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                b.append(" | ").append(t);
            }
            lines.add(b.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    @Test
    void shouldKeepUserIdsOutOfWarningsAndErrors() throws Exception {
        Capture capture = new Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String u = newUser("secret-person");
        try {
            // a rule that throws while evaluating this user
            writer().body("{\"userId\":\"" + u + "\",\"event\":\"poison\"}")
                    .post("/v1/track")
                    .then()
                    .statusCode(200);
            // many requests creating the same new user at once: unique-key conflicts and retries
            String fresh = u + "-b";
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> sent = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    int n = i;
                    sent.add(pool.submit(() -> writer().body("{\"userId\":\"" + fresh + "\",\"event\":\"poison\","
                                    + "\"messageId\":\"m-" + fresh + "-" + (n % 4) + "\"}")
                            .post("/v1/track")
                            .statusCode()));
                }
                for (Future<Integer> f : sent) {
                    int status = f.get(60, TimeUnit.SECONDS);
                    assertTrue(status == 200 || status == 503, "status " + status);
                }
            } finally {
                pool.shutdownNow();
            }
            admin().delete("/v1/users/" + u).then().statusCode(204);
            admin().delete("/v1/users/" + fresh).then().statusCode(204);
        } finally {
            root.removeHandler(capture);
        }
        List<String> warnings = List.copyOf(capture.lines);
        assertTrue(
                warnings.stream().anyMatch(l -> l.contains("Crashes on a poisoned event")),
                "the rule failure is logged at WARN: " + warnings);
        List<String> leaking =
                warnings.stream().filter(l -> l.contains("secret-person")).toList();
        assertEquals(List.of(), leaking, "log lines at WARN or above carry the user id");
    }
}
