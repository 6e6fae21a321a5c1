package io.milepost.rules.scenario;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a {@link Scenario} against a rule book with the same engine the service uses. Stores nothing. */
public final class ScenarioRunner {
    private static final Pattern RELATIVE = Pattern.compile("\\+((\\d+)d)?((\\d+)h)?((\\d+)m)?((\\d+)s)?");

    private final JourneyEngine engine;

    public ScenarioRunner(JourneyEngine engine) {
        this.engine = engine;
    }

    public ScenarioResult run(RuleBook book, Scenario scenario) {
        return run(book, scenario, null);
    }

    /** Runs a scenario file: a file that is not a scenario, or cannot be run, fails alone with the reason. */
    public ScenarioResult run(RuleBook book, ScenarioFiles.Entry entry) {
        if (entry.scenario() == null) {
            return ScenarioResult.unreadable(entry.file(), entry.error());
        }
        try {
            return run(book, entry.scenario(), entry.file());
        } catch (IllegalArgumentException e) {
            return ScenarioResult.unreadable(entry.file(), e.getMessage());
        }
    }

    /** Runs {@code scenario}, read from {@code file} under the rules folder (null when sent inline). */
    public ScenarioResult run(RuleBook book, Scenario scenario, String file) {
        Simulation.Result sim = new Simulation(engine)
                .run(book, scenario.traits(), scenario.signedUpAt(), scenario.events(), scenario.at());
        Instant signup = sim.signedUpAt();
        Map<String, Instant> milestones = new LinkedHashMap<>();
        sim.milestones().forEach(m -> milestones.put(m.milestone(), m.at()));
        Map<String, Instant> stalled = new LinkedHashMap<>();
        sim.stalled().forEach(s -> stalled.put(s.milestone(), s.since()));
        List<String> actions = sim.actions().stream()
                .map(Outcomes.ActionTriggered::action)
                .distinct()
                .toList();
        List<ScenarioResult.FiredAction> fired = sim.actions().stream()
                .map(a -> new ScenarioResult.FiredAction(a.action(), a.at(), a.rule(), a.payload(), a.heldOut()))
                .toList();
        List<String> errors = sim.failures().stream()
                .map(f -> "rule \"" + f.rule() + "\": " + f.message())
                .toList();

        List<String> failures = new ArrayList<>(errors);
        Scenario.Expect expect = scenario.expect();
        if (expect != null) {
            for (Scenario.ExpectedMilestone m : list(expect.milestones())) {
                Instant got = milestones.get(m.name());
                if (got == null) {
                    failures.add("expected milestone " + m.name() + " to be reached, but it was not (reached: "
                            + milestones.keySet() + ")");
                } else if (m.at() != null && !got.equals(time(m.at(), signup))) {
                    failures.add("expected milestone " + m.name() + " at " + time(m.at(), signup) + " (" + m.at()
                            + "), but it was reached at " + got + " (" + relative(signup, got) + ")");
                }
            }
            for (String m : list(expect.notMilestones())) {
                if (milestones.containsKey(m)) {
                    failures.add("expected milestone " + m + " not to be reached, but it was, at " + milestones.get(m)
                            + " (" + relative(signup, milestones.get(m)) + ")");
                }
            }
            for (Scenario.ExpectedAction a : list(expect.actions())) {
                if (a == null || a.action() == null || a.action().isBlank()) {
                    throw new IllegalArgumentException("an expected action needs its name: \"suggest_lists\" or "
                            + "{\"action\": \"suggest_lists\", \"payload\": {...}, \"at\": \"+2d\"}");
                }
                String missed = missed(a, fired, signup);
                if (missed != null) {
                    failures.add(missed);
                }
            }
            for (String a : list(expect.notActions())) {
                if (actions.contains(a)) {
                    failures.add("expected action " + a + " not to fire, but it did");
                }
            }
            for (String m : list(expect.stalled())) {
                if (!stalled.containsKey(m)) {
                    failures.add("expected a stall at " + m + " by " + sim.at() + ", but there was none (stalled: "
                            + stalled.keySet() + ")");
                }
            }
            for (String m : list(expect.notStalled())) {
                if (stalled.containsKey(m)) {
                    failures.add("expected no stall at " + m + ", but its window closed at " + stalled.get(m));
                }
            }
        }
        return new ScenarioResult(
                scenario.name(), file, failures.isEmpty(), failures, milestones, actions, fired, stalled, errors);
    }

    /** Why the expected action is not among those fired, or null when one matches (name, payload entries, time). */
    private static String missed(
            Scenario.ExpectedAction expected, List<ScenarioResult.FiredAction> fired, Instant signup) {
        List<ScenarioResult.FiredAction> named =
                fired.stream().filter(f -> f.action().equals(expected.action())).toList();
        if (named.isEmpty() && expected.times() != null && expected.times() == 0) {
            return null;
        }
        if (named.isEmpty()) {
            return "expected action " + expected.action() + " to fire, but it did not (fired: "
                    + fired.stream()
                            .map(ScenarioResult.FiredAction::action)
                            .distinct()
                            .toList() + ")";
        }
        if (expected.times() != null && expected.times() != named.size()) {
            return "expected action " + expected.action() + " to fire " + expected.times() + " times, but it fired "
                    + named.size() + " times: "
                    + named.stream()
                            .map(f -> relative(signup, f.at()).replace(" after signup", ""))
                            .toList() + " after signup";
        }
        Instant at = expected.at() == null ? null : time(expected.at(), signup);
        for (ScenarioResult.FiredAction f : named) {
            if ((at == null || at.equals(f.at())) && holds(expected.payload(), f.payload())) {
                return null;
            }
        }
        ScenarioResult.FiredAction first = named.get(0);
        StringBuilder why = new StringBuilder("expected action " + expected.action());
        if (expected.payload() != null && !expected.payload().isEmpty()) {
            why.append(" with payload ").append(expected.payload());
        }
        if (at != null) {
            why.append(" at ").append(at).append(" (").append(expected.at()).append(')');
        }
        why.append(", but it fired ");
        why.append(named.size() == 1 ? "once" : named.size() + " times")
                .append(": first at ")
                .append(first.at())
                .append(" (")
                .append(relative(signup, first.at()))
                .append(") with payload ")
                .append(first.payload());
        return why.toString();
    }

    /** Whether {@code payload} holds every expected entry (a number and its text count as equal: 3 and "3"). */
    private static boolean holds(Map<String, Object> expected, Map<String, Object> payload) {
        if (expected == null) {
            return true;
        }
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object got = payload == null ? null : payload.get(e.getKey());
            if (got == null || !String.valueOf(got).equals(String.valueOf(e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    /** Parses an absolute ISO-8601 time or one relative to signup ({@code +1d2h}). */
    public static Instant time(String text, Instant signup) {
        if (text == null || text.isBlank()) {
            return signup;
        }
        Matcher m = RELATIVE.matcher(text.trim());
        if (m.matches() && text.trim().length() > 1) {
            Duration d = Duration.ZERO;
            d = m.group(2) != null ? d.plusDays(Long.parseLong(m.group(2))) : d;
            d = m.group(4) != null ? d.plusHours(Long.parseLong(m.group(4))) : d;
            d = m.group(6) != null ? d.plusMinutes(Long.parseLong(m.group(6))) : d;
            d = m.group(8) != null ? d.plusSeconds(Long.parseLong(m.group(8))) : d;
            return signup.plus(d);
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a time: '" + text + "' (use ISO-8601 or +1d2h relative to signup)");
        }
    }

    /** {@code at} as scenarios write it, relative to signup: {@code +7d}, {@code +1d2h30m}, {@code -2h}. */
    static String relative(Instant signup, Instant at) {
        Duration d = Duration.between(signup, at);
        StringBuilder text = new StringBuilder(d.isNegative() ? "-" : "+");
        d = d.abs();
        long[] parts = {d.toDays(), d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart()};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] > 0) {
                text.append(parts[i]).append(units[i]);
            }
        }
        return (text.length() == 1 ? "+0s" : text) + " after signup";
    }
}
