package io.milepost.rules;

import io.milepost.engine.RuleBook;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every attempt to load the rules folder (at startup, after a file changed, on {@code POST
 * /v1/rules/reload}), newest first, for {@code GET /v1/rules/history}. Kept in memory, the last
 * {@link #KEPT}: each instance compiles its own folder, so its loads are its own, and a restart
 * starts again with the startup load (why not in the database: docs/architecture.md, "Rules load
 * history").
 *
 * <p>Also keeps the files of the latest load that went into force, so the conditions of the rules
 * in force can be shown as their authors wrote them ({@link #textsOf}).
 */
@ApplicationScoped
public class RuleLoadHistory {
    /** How many load attempts are kept. */
    public static final int KEPT = 50;

    /** What started a load attempt. */
    public enum Trigger {
        STARTUP("startup"),
        FILE_CHANGE("file_change"),
        RELOAD("reload");

        private final String label;

        Trigger(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One load attempt.
     *
     * @param version       content hash of the files it read (as a loaded rule set's version), null when
     *                      the folder could not be read
     * @param outcome       {@code loaded} or {@code refused}
     * @param rules         how many rules it loaded, null when refused
     * @param milestones    how many milestones they define, null when refused
     * @param activeVersion the version in force after the attempt (the previous one when refused)
     */
    public record Entry(
            String version,
            Instant at,
            String outcome,
            String trigger,
            List<String> files,
            Integer rules,
            Integer milestones,
            List<RuleProblem> errors,
            String activeVersion,
            FileChanges filesChanged) {}

    private final Deque<Entry> entries = new ArrayDeque<>();
    private String loadedVersion;
    private Map<String, String> loadedFiles = Map.of();
    private RuleTexts texts;

    /** Records an attempt; {@code book} is what it loaded, null when it was refused. */
    synchronized Entry record(
            Trigger trigger,
            Instant at,
            Map<String, String> files,
            RuleBook book,
            List<RuleProblem> errors,
            String activeVersion,
            FileChanges changes) {
        Map<String, String> read = files == null ? Map.of() : new TreeMap<>(files);
        Entry entry = new Entry(
                files == null ? null : RuleCompiler.version(read),
                at,
                book != null ? "loaded" : "refused",
                trigger.label(),
                List.copyOf(read.keySet()),
                book == null ? null : book.rules().size(),
                book == null ? null : book.milestones().size(),
                List.copyOf(errors),
                activeVersion,
                changes);
        entries.addFirst(entry);
        while (entries.size() > KEPT) {
            entries.removeLast();
        }
        if (book != null) {
            loadedVersion = book.version();
            loadedFiles = Map.copyOf(read);
            texts = null;
        }
        return entry;
    }

    /** The latest {@code limit} attempts, newest first. */
    public synchronized List<Entry> latest(int limit) {
        return entries.stream().limit(Math.max(0, limit)).toList();
    }

    /**
     * The conditions as written of the rule set {@code version}, when it is the latest one loaded
     * (read once per load); otherwise none, and conditions are shown as compiled.
     */
    public synchronized RuleTexts textsOf(String version) {
        if (version == null || !version.equals(loadedVersion)) {
            return RuleTexts.none();
        }
        if (texts == null) {
            texts = RuleTexts.of(loadedFiles);
        }
        return texts;
    }
}
