package io.milepost.rules;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.RuleBook;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The rules in force: compiled from {@code milepost.rules.dir} at startup, recompiled when a file
 * changes (or on demand), and swapped in only when the new set passes the {@link RulePolicy} and
 * compiles. Evaluations take the current {@link RuleBook} once and keep it, so a reload never
 * changes rules under a request.
 */
@ApplicationScoped
public class RuleSet {
    private static final Logger LOG = Logger.getLogger(RuleSet.class);
    private static final int HISTORY = 10;

    /**
     * One load attempt, for {@code GET /v1/rules}: when, the version it loaded (null when it did
     * not), its problems, and which files it saw added, changed or removed since the attempt before.
     */
    public record Load(Instant at, String version, boolean ok, List<RuleProblem> problems, FileChanges filesChanged) {}

    private final MilepostConfig config;
    private final RuleCompiler compiler;
    private final AtomicReference<RuleBook> current = new AtomicReference<>();
    private final Deque<Load> history = new ArrayDeque<>();
    private volatile List<RuleProblem> problems = List.of();
    private volatile Map<String, String> lastSeen = Map.of();
    /** Content hashes of the files the last load attempt read. */
    private Map<String, String> lastHashes = Map.of();

    private final MeterRegistry metrics;
    private final Clock clock;
    private final RuleLoadHistory loads;

    public RuleSet(MilepostConfig config, MeterRegistry metrics, Clock clock, RuleLoadHistory loads) {
        this.config = config;
        this.compiler = new RuleCompiler(Thread.currentThread().getContextClassLoader(), clock);
        this.metrics = metrics;
        this.clock = clock;
        this.loads = loads;
        Gauge.builder("milepost.rules.errors", this, r -> r.problems().size())
                .description("problems of the last load attempt: above zero, the folder's rules were refused "
                        + "and the previous rules stay in force")
                .register(metrics);
    }

    void onStart(@Observes StartupEvent event) {
        reload(RuleLoadHistory.Trigger.STARTUP);
        if (current.get() == null) {
            LOG.errorf(
                    "no working rules loaded from %s: events are stored but not evaluated until the rules compile",
                    dir().toAbsolutePath());
        }
    }

    @Scheduled(
            identity = "milepost-rules-watch",
            every = "${milepost.rules.watch-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void watch() {
        reloadIfChanged();
    }

    /** The rules in force, or null when no rule set has ever compiled. */
    public RuleBook current() {
        return current.get();
    }

    /** The problems of the last load attempt (empty when it succeeded). */
    public List<RuleProblem> problems() {
        return problems;
    }

    public synchronized List<Load> history() {
        return List.copyOf(history);
    }

    public Path dir() {
        return Path.of(config.rules().dir());
    }

    public RuleCompiler compiler() {
        return compiler;
    }

    /** Recompiles the folder if any rule file changed since the last attempt. */
    public void reloadIfChanged() {
        try {
            if (!readFiles().equals(lastSeen)) {
                reload(RuleLoadHistory.Trigger.FILE_CHANGE);
            }
        } catch (UncheckedIOException e) {
            LOG.warnf("cannot read rules folder %s: %s", dir(), e.getMessage());
        }
    }

    /** Recompiles the folder now; the new rules replace the current ones only if they compile. */
    public Load reload() {
        return reload(RuleLoadHistory.Trigger.RELOAD);
    }

    /** {@link #reload()}, recorded in the load history as started by {@code trigger}. */
    public synchronized Load reload(RuleLoadHistory.Trigger trigger) {
        Map<String, String> files;
        try {
            files = readFiles();
        } catch (UncheckedIOException e) {
            return record(
                    trigger,
                    null,
                    null,
                    List.of(new RuleProblem(dir().toString(), 0, 0, "cannot read rules folder: " + e.getMessage())),
                    FileChanges.NONE);
        }
        lastSeen = files;
        Map<String, String> hashes = FileChanges.hashes(files);
        FileChanges changes = FileChanges.between(lastHashes, hashes);
        lastHashes = hashes;
        if (files.isEmpty()) {
            return record(
                    trigger,
                    files,
                    null,
                    List.of(new RuleProblem(
                            dir().toString(), 0, 0, "no rule files (*.drl, *.dslr) in the rules folder")),
                    changes);
        }
        RuleCompiler.Result result = compiler.compile(files);
        if (result.ok()) {
            current.set(result.book());
            LOG.infof(
                    "rules %s loaded: %d files, %d rules, %d milestones",
                    result.book().version(),
                    result.book().files().size(),
                    result.book().rules().size(),
                    result.book().milestones().size());
            return record(trigger, files, result.book(), List.of(), changes);
        }
        for (RuleProblem p : result.problems()) {
            LOG.errorf("rules not loaded: %s:%d:%d %s", p.file(), p.line(), p.column(), p.message());
        }
        return record(trigger, files, null, result.problems(), changes);
    }

    private Load record(
            RuleLoadHistory.Trigger trigger,
            Map<String, String> files,
            RuleBook book,
            List<RuleProblem> found,
            FileChanges changes) {
        String version = book == null ? null : book.version();
        problems = List.copyOf(found);
        metrics.counter("milepost.rules.loads", "outcome", version != null ? "loaded" : "refused")
                .increment();
        Instant at = clock.instant();
        RuleBook inForce = current.get();
        loads.record(trigger, at, files, book, problems, inForce == null ? null : inForce.version(), changes);
        Load load = new Load(at, version, version != null, problems, changes);
        history.addFirst(load);
        while (history.size() > HISTORY) {
            history.removeLast();
        }
        return load;
    }

    /**
     * Compiles draft files, alone (with the folder's phrase files only) or over the folder's files (a
     * draft with a folder file's name replaces it). Changes nothing.
     */
    public RuleCompiler.Result compileDraft(Map<String, String> drafts, boolean alone) {
        Map<String, String> files = new TreeMap<>();
        try {
            // alone: without the folder's rules, but with its phrases (.dsl), which are vocabulary, not rules
            readFiles().forEach((name, text) -> {
                if (!alone || name.endsWith(".dsl")) {
                    files.put(name, text);
                }
            });
        } catch (UncheckedIOException e) {
            LOG.debugf("rules folder unreadable, validating the drafts alone: %s", e.getMessage());
        }
        List<RuleProblem> names = new java.util.ArrayList<>();
        for (Map.Entry<String, String> d : drafts.entrySet()) {
            String name = d.getKey();
            if (name == null
                    || !RuleCompiler.isRuleFile(name)
                    || name.startsWith("/")
                    || name.contains("..")
                    || name.contains("\\")
                    || d.getValue() == null) {
                names.add(new RuleProblem(
                        String.valueOf(name),
                        0,
                        0,
                        "a file needs a relative name ending in .drl, .dslr or .dsl, and text"));
            } else {
                files.put(name, d.getValue());
            }
        }
        if (!names.isEmpty()) {
            return new RuleCompiler.Result(null, names);
        }
        return compiler.compile(files);
    }

    /** The folder's {@code tests/}: the rules' scenario files (JSON). */
    public Path scenariosDir() {
        return dir().resolve("tests");
    }

    /** Reads every rule file under the folder (tests/ excluded), keyed by path relative to it. */
    public Map<String, String> readFiles() {
        Path root = dir();
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            throw new UncheckedIOException(new IOException("not a directory: " + root.toAbsolutePath()));
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (RuleCompiler.isRuleFile(rel) && !rel.startsWith("tests/")) {
                    files.put(rel, Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
