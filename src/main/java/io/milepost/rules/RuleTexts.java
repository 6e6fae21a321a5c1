package io.milepost.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.kie.internal.builder.conf.LanguageLevelOption;

/**
 * Where each top-level condition of each rule was written: its line, its DRL text and, in a
 * {@code .dslr} file, the author's plain-English phrase. Read with Drools' own DRL parser from the
 * text that was compiled (a {@code .dslr} expanded line for line by its DSL), so a condition's
 * position lines up with the compiled rule's condition at the same index. Only for showing
 * conditions: what a condition means is always taken from the compiled rule, never from this text.
 */
public final class RuleTexts {

    /**
     * One top-level condition as written.
     *
     * @param line   the author's line (from 1)
     * @param drl    the DRL text of the condition (for a DSL phrase, what the DSL made of it)
     * @param phrase the author's DSL phrase, or null when the line is DRL
     */
    public record ConditionText(int line, String drl, String phrase) {}

    private static final RuleTexts NONE = new RuleTexts(Map.of());

    private final Map<String, List<ConditionText>> byRule;

    private RuleTexts(Map<String, List<ConditionText>> byRule) {
        this.byRule = byRule;
    }

    /** No texts: conditions are then shown as rebuilt from the compiled rules. */
    public static RuleTexts none() {
        return NONE;
    }

    /** Reads the rule files of one load (names relative to the rules folder, as compiled). */
    public static RuleTexts of(Map<String, String> files) {
        List<RuleProblem> ignored = new ArrayList<>(); // the load that compiled these files found none
        Phrases dsl = Phrases.of(files, ignored);
        Map<String, List<ConditionText>> byRule = new HashMap<>();
        for (Map.Entry<String, String> f : files.entrySet()) {
            String name = f.getKey();
            if (name.endsWith(".dsl")) {
                continue;
            }
            boolean dslr = name.endsWith(".dslr");
            String authored = f.getValue();
            String drl = dslr ? dsl.expand(name, authored, ignored) : authored;
            DrlParser parser = new DrlParser(LanguageLevelOption.DRL6);
            PackageDescr pkg;
            try {
                pkg = parser.parse(false, drl);
            } catch (DroolsParserException | RuntimeException e) {
                continue; // shown from the compiled rules instead
            }
            if (pkg == null || parser.hasErrors()) {
                continue;
            }
            String[] authoredLines = authored.split("\n", -1);
            String[] drlLines = drl.split("\n", -1);
            for (RuleDescr rule : pkg.getRules()) {
                List<ConditionText> conditions = new ArrayList<>();
                for (BaseDescr d : rule.getLhs().getDescrs()) {
                    int line = d.getLine();
                    String text = d.getStartCharacter() >= 0
                                    && d.getEndCharacter() > d.getStartCharacter()
                                    && d.getEndCharacter() <= drl.length()
                            ? drl.substring(d.getStartCharacter(), d.getEndCharacter())
                                    .strip()
                            : null;
                    String phrase = null;
                    // a DSLR line starting with ">" is DRL the author wrote as it is: no phrase
                    if (dslr
                            && line >= 1
                            && line <= authoredLines.length
                            && line <= drlLines.length
                            && !authoredLines[line - 1].equals(drlLines[line - 1])
                            && !authoredLines[line - 1].strip().startsWith(">")) {
                        phrase = authoredLines[line - 1].strip();
                    }
                    conditions.add(new ConditionText(line, text, phrase));
                }
                byRule.put(key(name, rule.getName()), List.copyOf(conditions));
            }
        }
        return new RuleTexts(Map.copyOf(byRule));
    }

    /** The top-level conditions of a rule as written, in order, if its file could be read. */
    public Optional<List<ConditionText>> conditions(String file, String rule) {
        return Optional.ofNullable(byRule.get(key(file, rule)));
    }

    private static String key(String file, String rule) {
        return file + "\u0000" + rule;
    }
}
