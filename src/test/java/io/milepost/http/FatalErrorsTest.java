package io.milepost.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A JVM that runs out of memory exits instead of lingering: tried on a real child JVM with a small heap. */
class FatalErrorsTest {

    /** The child: installs the handler, then runs a thread out of memory and waits to be ended. */
    public static final class RunsOutOfMemory {
        public static void main(String[] args) throws Exception {
            FatalErrors.installUncaughtHandler();
            Thread t = new Thread(
                    () -> {
                        List<long[]> hoard = new java.util.ArrayList<>();
                        while (true) {
                            hoard.add(new long[1 << 20]);
                        }
                    },
                    "hoarder");
            t.start();
            t.join();
            // only reached if the process was not ended
            Thread.sleep(30_000);
            System.exit(0);
        }
    }

    @Test
    void shouldEndTheProcessWhenAThreadRunsOutOfMemory() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(
                        java, "-Xmx32m", "-cp", System.getProperty("java.class.path"), RunsOutOfMemory.class.getName())
                .redirectErrorStream(true)
                .start();
        boolean ended = p.waitFor(20, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "the JVM lingered after running out of memory: " + output);
        assertEquals(FatalErrors.EXIT_STATUS, p.exitValue(), output);
        assertTrue(output.contains("out of memory; exiting"), output);
    }

    @Test
    void shouldEndTheProcessWhenARequestRunsOutOfMemory() {
        var previous = FatalErrors.halt;
        AtomicInteger status = new AtomicInteger(-1);
        FatalErrors.halt = status::set;
        try {
            new FatalErrors().error(new OutOfMemoryError("Java heap space"));
            assertEquals(FatalErrors.EXIT_STATUS, status.get());
            status.set(-1);
            assertEquals(500, new FatalErrors().error(new StackOverflowError()).getStatus());
            assertEquals(-1, status.get(), "other errors do not end the process");
        } finally {
            FatalErrors.halt = previous;
        }
    }
}
