package io.milepost.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rule file as Drools compiles it, and the way back to the author's lines and columns.
 *
 * <p>The compiled text is the author's text (for a {@code .dslr}, what the DSL turns it into) with
 * two kinds of insertions: the header of imports every file gets (on the {@code package} line, or
 * on a line of its own when there is none), and the {@code @milestone} key renamed to
 * {@code @milestone_}. The policy checks exactly this text, and Drools compiles exactly this text.
 */
public final class RuleSource {

    /** Prepended to every rule file, on the package line when there is one, so line numbers stay true. */
    static final String HEADER = "import io.milepost.facts.User; import io.milepost.facts.Activity; "
            + "import io.milepost.facts.Event; import io.milepost.facts.Milestone; import io.milepost.facts.Stalled; "
            + "import io.milepost.facts.Account; "
            + "import java.util.*; import java.time.*; "
            + "import function io.milepost.facts.Helpers.reach; import function io.milepost.facts.Helpers.trigger; ";

    /** The metadata key {@code @milestone} is compiled under (see {@link #of}). */
    static final String MILESTONE_KEY = "milestone_";

    private static final Pattern PACKAGE_LINE =
            Pattern.compile("^[ \\t]*package\\s+[\\w.]+\\s*;?[ \\t]*", Pattern.MULTILINE);
    private static final Pattern MILESTONE_META = Pattern.compile("@milestone\\s*\\(");

    private final String file;
    private final String authored;
    private final String expanded;
    private final String compiled;
    /** Insertions into the expanded text, in order: where (in the compiled text) and how long. */
    private final List<int[]> insertions;

    private RuleSource(String file, String authored, String expanded, String compiled, List<int[]> insertions) {
        this.file = file;
        this.authored = authored;
        this.expanded = expanded;
        this.compiled = compiled;
        this.insertions = insertions;
    }

    /**
     * @param authored the file as its author wrote it
     * @param expanded the DRL to compile: the same text, or for a {@code .dslr} what the DSL made of it
     *                 (line for line)
     */
    static RuleSource of(String file, String authored, String expanded) {
        // Drools resolves a rule annotation's name as a type: "@milestone" finds the imported
        // Milestone fact class, is refused as an annotation, and leaves "Milestone" unresolvable
        // for the package. Renaming the key keeps the author's spelling working.
        StringBuilder text = new StringBuilder();
        List<int[]> insertions = new ArrayList<>();
        Matcher meta = MILESTONE_META.matcher(expanded);
        int from = 0;
        while (meta.find()) {
            int at = meta.start() + "@milestone".length();
            text.append(expanded, from, at);
            insertions.add(new int[] {text.length(), 1});
            text.append('_');
            from = at;
        }
        text.append(expanded, from, expanded.length());

        Matcher pkg = PACKAGE_LINE.matcher(text);
        String header;
        int at;
        if (pkg.find()) {
            at = pkg.end();
            header = (pkg.group().trim().endsWith(";") ? " " : "; ") + HEADER;
        } else {
            at = 0;
            header = HEADER + "\n";
        }
        text.insert(at, header);
        List<int[]> shifted = new ArrayList<>();
        for (int[] i : insertions) {
            shifted.add(i[0] >= at ? new int[] {i[0] + header.length(), i[1]} : i);
        }
        shifted.add(new int[] {at, header.length()});
        shifted.sort((a, b) -> Integer.compare(a[0], b[0]));
        return new RuleSource(file, authored, expanded, text.toString(), List.copyOf(shifted));
    }

    /** The file's name, relative to the rules folder. */
    public String file() {
        return file;
    }

    /** The text Drools compiles. */
    public String compiled() {
        return compiled;
    }

    /** Lines the header added before the author's first line (Drools' line numbers are shifted back by these). */
    int addedLines() {
        return compiled.startsWith(HEADER + "\n") ? 1 : 0;
    }

    /**
     * A problem found at an offset of the compiled text, placed at the author's line and column
     * (both from 1). In a {@code .dslr} line that the DSL rewrote, the column is where the
     * author's phrase starts.
     */
    public RuleProblem problemAt(int compiledOffset, String message) {
        int offset = compiledOffset;
        for (int[] i : insertions) {
            if (i[0] >= compiledOffset) {
                break;
            }
            offset -= Math.min(i[1], compiledOffset - i[0]);
        }
        offset = Math.max(0, Math.min(offset, expanded.length()));
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (expanded.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = offset - lineStart + 1;
        String authoredLine = line(authored, line);
        if (!authoredLine.equals(line(expanded, line))) {
            column = authoredLine.length() - authoredLine.stripLeading().length() + 1;
            message = message + " (in what the DSL makes of this line)";
        }
        return new RuleProblem(file, line, column, message);
    }

    private static String line(String text, int number) {
        String[] lines = text.split("\n", -1);
        return number - 1 < lines.length ? lines[number - 1] : "";
    }
}
