package io.milepost.engine;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.drools.drl.parser.lang.ExpanderException;
import org.drools.drl.parser.lang.dsl.DSLMapping;
import org.drools.drl.parser.lang.dsl.DSLTokenizedMappingFile;
import org.drools.drl.parser.lang.dsl.DefaultExpander;
import org.kie.internal.builder.KnowledgeBuilderResult;

/**
 * The phrases of a rule set's {@code .dsl} files, applied to its {@code .dslr} files. Every DSL
 * file applies to every DSLR file (as in Drools), in file-name order. Milepost expands DSLR text
 * itself and compiles the result as DRL, so the rule policy checks exactly what Drools compiles.
 * Expansion keeps the author's line numbers.
 */
final class DslExpansion {
    private final List<DSLMapping> mappings = new ArrayList<>();

    private DslExpansion() {
    }

    /** Reads the {@code .dsl} files among {@code files} (sorted by name); their mistakes go to {@code problems}. */
    static DslExpansion of(Map<String, String> files, List<RuleProblem> problems) {
        DslExpansion expansion = new DslExpansion();
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (!f.getKey().endsWith(".dsl")) {
                continue;
            }
            DSLTokenizedMappingFile dsl = new DSLTokenizedMappingFile();
            try {
                if (dsl.parseAndLoad(new StringReader(f.getValue()))) {
                    expansion.mappings.add(dsl.getMapping());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (KnowledgeBuilderResult error : dsl.getErrors()) {
                int line = error.getLines() == null || error.getLines().length == 0 ? 0 : error.getLines()[0];
                problems.add(new RuleProblem(f.getKey(), Math.max(0, line), 0, error.getMessage()));
            }
        }
        return expansion;
    }

    /** The DRL a {@code .dslr} file's text stands for; phrases no DSL line matches go to {@code problems}. */
    String expand(String file, String dslr, List<RuleProblem> problems) {
        DefaultExpander expander = new DefaultExpander();
        mappings.forEach(expander::addDSLMapping);
        String drl = expander.expand(dslr);
        for (ExpanderException e : expander.getErrors()) {
            String message = e.getMessage() == null ? "" : e.getMessage().replaceFirst("^\\[\\d+\\]\\s*", "");
            problems.add(new RuleProblem(file, Math.max(0, e.getLine()), 0,
                    message.replaceFirst(":\\s+", ": ") + " (no phrase of the DSL matches this line)"));
        }
        return drl;
    }
}
