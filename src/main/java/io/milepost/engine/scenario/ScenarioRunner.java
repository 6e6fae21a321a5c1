package io.milepost.engine.scenario;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
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
    private static final Instant DEFAULT_SIGNUP = Instant.parse("2026-01-05T09:00:00Z");

    private final JourneyEngine engine;

    public ScenarioRunner(JourneyEngine engine) {
        this.engine = engine;
    }

    public ScenarioResult run(RuleBook book, Scenario scenario) {
        Instant signup = scenario.signedUpAt() == null ? DEFAULT_SIGNUP : Instant.parse(scenario.signedUpAt());
        UserState state = UserState.fresh("scenario-user");
        List<JourneyEngine.Input> inputs = new ArrayList<>();
        Map<String, Object> traits = new LinkedHashMap<>(scenario.traits() == null ? Map.of() : scenario.traits());
        if (!traits.containsKey("createdAt")) {
            traits.put("createdAt", signup.toString());
        }
        inputs.add(JourneyEngine.Input.identify("scenario-0", traits, signup));
        int i = 1;
        for (Scenario.Step step : scenario.events() == null ? List.<Scenario.Step>of() : scenario.events()) {
            Instant at = time(step.at(), signup);
            inputs.add(step.identify() != null
                    ? JourneyEngine.Input.identify("scenario-" + i++, step.identify(), at)
                    : JourneyEngine.Input.track("scenario-" + i++, step.event(),
                            step.properties() == null ? Map.of() : step.properties(), at));
        }
        Outcomes outcomes = engine.apply(book, state, inputs);
        Map<String, Instant> milestones = new LinkedHashMap<>();
        outcomes.milestones.forEach(m -> milestones.put(m.milestone(), m.at()));
        List<String> actions = outcomes.actions.stream().map(Outcomes.ActionTriggered::action).distinct().toList();
        List<String> errors = outcomes.failures.stream().map(f -> "rule \"" + f.rule() + "\": " + f.message()).toList();

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
        }
        return new ScenarioResult(scenario.name(), failures.isEmpty(), failures, milestones, actions, Map.of(), errors);
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
