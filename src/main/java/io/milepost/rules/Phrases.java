package io.milepost.rules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plain-English phrases rule authors write in {@code .dslr} files, and what they stand for in
 * DRL. Phrases come from {@code .dsl} files in the Drools format ({@code [condition][]phrase=code},
 * {@code [consequence][]phrase=code}): Milepost's built-in {@value #BUILT_IN} (a rules folder's own
 * file of that name replaces it) and any other {@code .dsl} file of the folder, which adds phrases.
 *
 * <p>Milepost matches phrases itself rather than with Drools' expander, so that:
 * <ul>
 *   <li>a line must match a phrase <em>whole</em> (a shorter phrase never swallows the start of a
 *       line and leaves the rest to a confusing parser error);</li>
 *   <li>a line that matches nothing is one error, on its line, naming the closest phrases;</li>
 *   <li>matching forgives what people vary: letter case, spacing, a final full stop, "1 time" for
 *       "times" (and days, weeks, hours, minutes), a leading "and";</li>
 *   <li>a condition line starting with "or" joins the condition above it as an alternative;</li>
 *   <li>placeholders named {@code {values}} take one or more quoted values joined by "or" or commas
 *       (the code receives them as {@code "a", "b"}), placeholders named {@code {entries}} take
 *       {@code "key" set to "value"} pairs joined by "and" or commas (the code receives
 *       {@code "key", "value", ...}), and numeric placeholders ({@code {n}}, {@code {days}},
 *       {@code {weeks}}, {@code {hours}}, {@code {minutes}}) take whole numbers.</li>
 * </ul>
 * A line starting with {@code >} is DRL as written. Expansion keeps the author's line numbers.
 */
public final class Phrases {
    /** The phrases Milepost ships, always available to {@code .dslr} files. */
    public static final String BUILT_IN = "milepost.dsl";

    /**
     * Where a phrase may stand: after {@code when}, after {@code then}, or between the rule's name
     * and {@code when} ({@code [metadata]}: the rule's {@code @milestone}, {@code @within},
     * {@code @every}, ...; a header line no phrase matches is taken as DRL).
     */
    public enum Section {
        CONDITION,
        CONSEQUENCE,
        METADATA
    }

    /** One phrase: what an author writes ({@code text}, with placeholders) and the DRL it stands for. */
    public record Phrase(Section section, String text, String code, String file, int line) {}

    private record Compiled(Phrase phrase, Pattern pattern, List<String> names, String shape) {}

    private static final Pattern ENTRY = Pattern.compile("^\\[([^\\]]*)\\]\\s*(?:\\[[^\\]]*\\])?(.*)$");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\w+)(?::([^}]*))?\\}");
    private static final Set<String> NUMBERS =
            Set.of("n", "days", "weeks", "hours", "minutes", "count", "amount", "percent");
    private static final Set<String> UNITS = Set.of("times", "days", "weeks", "hours", "minutes", "months");
    private static final String QUOTED = "\"[^\"]*\"";
    private static final String VALUES = QUOTED + "(?:\\s*(?:,|\\bor\\b)\\s*" + QUOTED + ")*";
    private static final String PAIR = QUOTED + "\\s+set\\s+to\\s+" + QUOTED;
    private static final String ENTRIES = PAIR + "(?:\\s*(?:,|\\band\\b)\\s*" + PAIR + ")*";
    private static final Pattern QUOTED_TEXT = Pattern.compile(QUOTED);
    private static final Pattern OR_LINE = Pattern.compile("(?i)^or\\s+(.*)$");
    private static final Pattern AND_LINE = Pattern.compile("(?i)^and\\s+(.*)$");
    private static final Pattern RULE_LINE = Pattern.compile("^rule\\b.*");
    private static volatile String builtIn;

    private final List<Compiled> phrases = new ArrayList<>();

    private Phrases() {}

    /** The text of the built-in phrase file. */
    public static String builtInText() {
        String text = builtIn;
        if (text == null) {
            try (InputStream in = Phrases.class.getResourceAsStream("/milepost/" + BUILT_IN)) {
                if (in == null) {
                    throw new IllegalStateException("the built-in phrases (milepost/" + BUILT_IN + ") are missing");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            builtIn = text;
        }
        return text;
    }

    /**
     * The phrases for a set of rule files: the built-in ones (unless the files hold their own
     * {@value #BUILT_IN}), then those of the files' {@code .dsl} files in name order. Mistakes in a
     * {@code .dsl} file go to {@code problems}.
     */
    public static Phrases of(Map<String, String> files, List<RuleProblem> problems) {
        Phrases book = new Phrases();
        if (!files.containsKey(BUILT_IN)) {
            book.read(BUILT_IN, builtInText(), problems);
        }
        files.entrySet().stream()
                .filter(f -> f.getKey().endsWith(".dsl"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(f -> book.read(f.getKey(), f.getValue(), problems));
        return book;
    }

    /** Every phrase, in the order lines are matched against them. */
    public List<Phrase> list() {
        return phrases.stream().map(Compiled::phrase).toList();
    }

    private void read(String file, String text, List<RuleProblem> problems) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("//")) {
                continue;
            }
            Matcher entry = ENTRY.matcher(line);
            if (!entry.matches()) {
                problems.add(new RuleProblem(
                        file,
                        i + 1,
                        1,
                        "a phrase line has the form "
                                + "[condition][]The user did \"{event}\"=Activity( event == \"{event}\" )"));
                continue;
            }
            String scope = entry.group(1).strip().toLowerCase(Locale.ROOT);
            String rest = entry.group(2);
            int eq = unescapedEquals(rest);
            if (eq < 0) {
                problems.add(new RuleProblem(
                        file, i + 1, 1, "a phrase needs \"=\" and the rule code it stands for after it"));
                continue;
            }
            String key = rest.substring(0, eq).strip().replace("\\=", "=");
            String code = rest.substring(eq + 1).strip();
            if (key.isEmpty() || code.isEmpty()) {
                problems.add(
                        new RuleProblem(file, i + 1, 1, "a phrase needs words before \"=\" and rule code after it"));
                continue;
            }
            if (key.startsWith("-")) {
                problems.add(new RuleProblem(
                        file,
                        i + 1,
                        1,
                        "phrases starting with \"-\" (adding to the line above) are not "
                                + "supported: write each condition as a whole phrase"));
                continue;
            }
            List<Section> sections = switch (scope) {
                case "condition", "when" -> List.of(Section.CONDITION);
                case "consequence", "then" -> List.of(Section.CONSEQUENCE);
                case "*" -> List.of(Section.CONDITION, Section.CONSEQUENCE);
                case "metadata" -> List.of(Section.METADATA);
                default -> null;
            };
            if (sections == null) {
                problems.add(
                        new RuleProblem(
                                file,
                                i + 1,
                                2,
                                "[" + entry.group(1).strip() + "] is not a place for a phrase: "
                                        + "use [condition] (after \"when\"), [consequence] (after \"then\") or [metadata] (before \"when\")"));
                continue;
            }
            for (Section section : sections) {
                phrases.add(compile(new Phrase(section, key, code, file, i + 1)));
            }
        }
    }

    private static int unescapedEquals(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '=' && (i == 0 || s.charAt(i - 1) != '\\')) {
                return i;
            }
        }
        return -1;
    }

    private static Compiled compile(Phrase phrase) {
        String key = phrase.text();
        StringBuilder regex = new StringBuilder("^");
        StringBuilder shape = new StringBuilder();
        List<String> names = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(key);
        int from = 0;
        while (m.find()) {
            literal(key.substring(from, m.start()), regex, shape);
            String name = m.group(1);
            names.add(name);
            boolean quoted = m.start() > 0
                    && key.charAt(m.start() - 1) == '"'
                    && m.end() < key.length()
                    && key.charAt(m.end()) == '"';
            String group;
            if (m.group(2) != null) {
                group = m.group(2);
            } else if (name.equals("values")) {
                group = VALUES;
            } else if (name.equals("entries")) {
                group = ENTRIES;
            } else if (NUMBERS.contains(name)) {
                group = "\\d+";
            } else if (quoted) {
                group = "[^\"]*";
            } else {
                group = ".+?";
            }
            regex.append('(').append(group).append(')');
            shape.append(NUMBERS.contains(name) ? "9" : quoted ? "x" : "\"x\"");
            from = m.end();
        }
        literal(key.substring(from), regex, shape);
        regex.append("\\s*[.;]?$");
        return new Compiled(
                phrase,
                Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
                List.copyOf(names),
                shape.toString().toLowerCase(Locale.ROOT));
    }

    /** Literal words of a phrase: any spacing between them, "time" for "times" and the like. */
    private static void literal(String text, StringBuilder regex, StringBuilder shape) {
        shape.append(text);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    String w = word.toString();
                    if (UNITS.contains(w.toLowerCase(Locale.ROOT))) {
                        regex.append(Pattern.quote(w.substring(0, w.length() - 1)))
                                .append("s?");
                    } else {
                        regex.append(Pattern.quote(w));
                    }
                    word.setLength(0);
                }
                if (i < text.length() && (regex.isEmpty() || !regex.toString().endsWith("\\s+"))) {
                    regex.append("\\s+");
                }
            } else {
                word.append(c);
            }
        }
    }

    /** The DRL a {@code .dslr} file's text stands for, line for line; lines no phrase matches go to {@code problems}. */
    public String expand(String file, String dslr, List<RuleProblem> problems) {
        String[] lines = dslr.split("\n", -1);
        String[] out = lines.clone();
        Section section = null;
        boolean inRule = false;
        int groupStart = -1;
        int lastCondition = -1;
        for (int i = 0; i < lines.length; i++) {
            String raw = lines[i];
            String line = raw.strip();
            String indent = raw.substring(0, raw.length() - raw.stripLeading().length());
            if (!inRule) {
                if (line.startsWith("expander ") || line.equals("expander")) {
                    out[i] = ""; // Milepost applies every phrase file; Drools has nothing to do with this line
                } else if (RULE_LINE.matcher(line).matches()) {
                    inRule = true;
                }
                continue;
            }
            if (line.equals("when")) {
                section = Section.CONDITION;
                continue;
            }
            if (section == null) {
                // the rule's header: a metadata phrase, or DRL (@milestone(...), salience, ...) as written
                String code = line.isEmpty() ? null : expandLine(Section.METADATA, normalise(line));
                if (code != null) {
                    out[i] = indent + code;
                }
                continue;
            }
            if (line.equals("then") || line.equals("end")) {
                closeGroup(out, groupStart, lastCondition);
                groupStart = -1;
                lastCondition = -1;
                section = line.equals("then") ? Section.CONSEQUENCE : null;
                inRule = !line.equals("end");
                continue;
            }
            if (line.isEmpty()
                    || line.startsWith("//")
                    || line.startsWith("#")
                    || line.startsWith("/*")
                    || line.startsWith("*")) {
                continue;
            }
            if (line.startsWith(">")) {
                out[i] = indent + " " + line.substring(1);
                continue;
            }
            String phrase = normalise(line);
            boolean or = false;
            Matcher orLine = OR_LINE.matcher(phrase);
            if (orLine.matches()) {
                if (section != Section.CONDITION || lastCondition < 0) {
                    problems.add(new RuleProblem(
                            file,
                            i + 1,
                            indent.length() + 1,
                            section == Section.CONDITION
                                    ? "\"or\" joins a condition to the one above it, and there is none above"
                                    : "\"or\" joins conditions; after \"then\", write one action per line"));
                    continue;
                }
                or = true;
                phrase = orLine.group(1).strip();
            } else {
                Matcher andLine = AND_LINE.matcher(phrase);
                phrase = andLine.matches() ? andLine.group(1).strip() : phrase;
            }
            String code = expandLine(section, phrase);
            if (code == null) {
                problems.add(new RuleProblem(file, i + 1, indent.length() + 1, unmatched(section, phrase)));
                continue;
            }
            if (section == Section.CONDITION) {
                if (or) {
                    groupStart = groupStart < 0 ? lastCondition : groupStart;
                    out[i] = indent + "or " + code;
                } else {
                    closeGroup(out, groupStart, lastCondition);
                    groupStart = -1;
                    out[i] = indent + code;
                }
                lastCondition = i;
            } else {
                out[i] = indent + code;
            }
        }
        return String.join("\n", out);
    }

    /** Typographic quotes and apostrophes (as word processors write them) as plain ones. */
    private static String normalise(String line) {
        return line.replace('\u201C', '"')
                .replace('\u201D', '"')
                .replace('\u2018', '\'')
                .replace('\u2019', '\'');
    }

    /** Brackets the conditions from {@code start} to {@code end} joined by "or" lines. */
    private static void closeGroup(String[] out, int start, int end) {
        if (start < 0) {
            return;
        }
        String first = out[start];
        int at = first.length() - first.stripLeading().length();
        out[start] = first.substring(0, at) + "( " + first.substring(at);
        out[end] = out[end] + " )";
    }

    /** The code of the first phrase of {@code section} the whole line matches, or null. */
    String expandLine(Section section, String line) {
        for (Compiled c : phrases) {
            if (c.phrase().section() != section) {
                continue;
            }
            Matcher m = c.pattern().matcher(line);
            if (m.matches()) {
                String code = c.phrase().code();
                for (int g = 0; g < c.names().size(); g++) {
                    String name = c.names().get(g);
                    String value = m.group(g + 1).strip();
                    code = code.replace(
                            "{" + name + "}",
                            switch (name) {
                                case "values", "entries" -> quotedList(value);
                                default -> value;
                            });
                }
                return code;
            }
        }
        return null;
    }

    /** {@code "a" or "b", "c"} as {@code "a", "b", "c"}; {@code "k" set to "v" and ...} as {@code "k", "v", ...}. */
    private static String quotedList(String value) {
        List<String> items = new ArrayList<>();
        Matcher q = QUOTED_TEXT.matcher(value);
        while (q.find()) {
            items.add(q.group());
        }
        return String.join(", ", items);
    }

    private String unmatched(Section section, String line) {
        String shape = shapeOf(line);
        List<Compiled> candidates =
                phrases.stream().filter(c -> c.phrase().section() == section).toList();
        List<String> closest = candidates.stream()
                .sorted(Comparator.comparingInt((Compiled c) -> distance(shape, c.shape())))
                .limit(3)
                .map(c -> c.phrase().text())
                .distinct()
                .toList();
        String where = section == Section.CONDITION ? "condition" : "action";
        return "no " + where + " phrase matches \"" + cut(line) + "\"; the closest phrases are: "
                + String.join(" | ", closest)
                + " (every phrase: GET /v1/rules/phrases; a line starting with \">\" is taken as DRL)";
    }

    /** A line reduced to its wording: quoted values become "x", numbers 9, lower case. */
    private static String shapeOf(String line) {
        return QUOTED_TEXT
                .matcher(line)
                .replaceAll("\"x\"")
                .replaceAll("\\d+", "9")
                .toLowerCase(Locale.ROOT);
    }

    /** Levenshtein distance of two short texts (each cut at 200 characters). */
    static int distance(String a, String b) {
        a = a.length() > 200 ? a.substring(0, 200) : a;
        b = b.length() > 200 ? b.substring(0, 200) : b;
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    private static String cut(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }
}
