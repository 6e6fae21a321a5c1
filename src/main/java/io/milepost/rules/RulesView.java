package io.milepost.rules;

import io.milepost.engine.RuleBook;
import java.time.Instant;
import java.util.List;

/** What {@code GET /v1/rules} shows: the rules in force and the problems of the last load attempt. */
public record RulesView(
        String version,
        Instant loadedAt,
        List<String> files,
        List<RuleItem> rules,
        List<RuleProblem> errors,
        List<RuleSet.Load> history) {

    /** {@code repeat} and {@code every}: the rule's {@code @repeat} and {@code @every} (ISO-8601), or null. */
    public record RuleItem(
            String name, String file, String milestone, java.time.Duration repeat, java.time.Duration every) {}

    public static RulesView of(RuleSet set) {
        RuleBook book = set.current();
        return new RulesView(
                book == null ? null : book.version(),
                book == null ? null : book.loadedAt(),
                book == null ? List.of() : book.files(),
                book == null
                        ? List.of()
                        : book.rules().stream()
                                .map(r -> new RuleItem(r.name(), r.file(), r.milestone(), r.repeat(), r.every()))
                                .toList(),
                set.problems(),
                set.history());
    }
}
