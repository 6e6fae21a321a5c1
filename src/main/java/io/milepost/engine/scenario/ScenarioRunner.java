package io.milepost.engine.scenario;

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
        Simulation.Result sim = new Simulation(engine).run(book, scenario.traits(), scenario.signedUpAt(), scenario.events(),
                scenario.at());
        Instant signup = sim.signedUpAt();
        Map<String, Instant> milestones = new LinkedHashMap<>();
        sim.milestones().forEach(m -> milestones.put(m.milestone(), m.at()));
        Map<String, Instant> stalled = new LinkedHashMap<>();
        sim.stalled().forEach(s -> stalled.put(s.milestone(), s.since()));
        List<String> actions = sim.actions().stream().map(Outcomes.ActionTriggered::action).distinct().toList();
        List<String> errors = sim.failures().stream().map(f -> "rule \"" + f.rule() + "\": " + f.message()).toList();

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
            for (String a : list(expect.actions())) {
                if (!actions.contains(a)) {
                    failures.add("expected action " + a + " to fire, but it did not (fired: " + actions + ")");
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
        return new ScenarioResult(scenario.name(), failures.isEmpty(), failures, milestones, actions, stalled, errors);
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

    private static String relative(Instant signup, Instant at) {
        Duration d = Duration.between(signup, at);
        return "+" + d.toString().substring(2).toLowerCase() + " after signup";
    }
}
