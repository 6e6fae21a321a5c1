package io.milepost.rules.scenario;

import io.milepost.engine.JourneyEngine;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dry run of one user's journey: apply their events with the rules, closing windows on the way as
 * ingestion does, then bring the user's timeline up to {@code at} as the stall sweep would. Nothing is stored or sent. Used by {@code POST /v1/simulate}
 * and by scenario tests, with the engine the service runs.
 */
public final class Simulation {
    static final Instant DEFAULT_SIGNUP = Instant.parse("2026-01-05T09:00:00Z");

    /** What happened: milestones, stalls and actions in time order, and any rule failures. */
    public record Result(
            Instant signedUpAt,
            Instant at,
            List<Outcomes.MilestoneReached> milestones,
            List<Stall> stalled,
            List<Outcomes.ActionTriggered> actions,
            List<Outcomes.Failure> failures,
            List<String> firedRules) {}

    /** A window that closed unreached. */
    public record Stall(String milestone, Instant since) {}

    private final JourneyEngine engine;

    public Simulation(JourneyEngine engine) {
        this.engine = engine;
    }

    /**
     * @param signedUpAt signup time (default 2026-01-05T09:00Z); relative times count from it
     * @param at         when to look at the user for closed windows (default: the last event, or signup)
     */
    public Result run(
            RuleBook book, Map<String, Object> traits, String signedUpAt, List<Scenario.Step> steps, String at) {
        Instant signup = signedUpAt == null ? DEFAULT_SIGNUP : ScenarioRunner.time(signedUpAt, DEFAULT_SIGNUP);
        UserState state = UserState.fresh("simulated-user");
        List<JourneyEngine.Input> inputs = new ArrayList<>();
        Map<String, Object> initial = new LinkedHashMap<>(traits == null ? Map.of() : traits);
        initial.putIfAbsent("createdAt", signup.toString());
        inputs.add(JourneyEngine.Input.identify("simulated-0", initial, signup));
        Instant last = signup;
        int i = 1;
        for (Scenario.Step step : steps == null ? List.<Scenario.Step>of() : steps) {
            Instant when = ScenarioRunner.time(step.at(), signup);
            last = when.isAfter(last) ? when : last;
            if (step.identify() != null) {
                inputs.add(JourneyEngine.Input.identify("simulated-" + i++, step.identify(), when));
            } else {
                if (step.event() == null || step.event().isBlank()) {
                    throw new IllegalArgumentException(
                            "step " + i + " needs \"event\" (a track) or \"identify\" (traits)");
                }
                inputs.add(JourneyEngine.Input.track(
                        "simulated-" + i++,
                        step.event(),
                        step.properties() == null ? Map.of() : step.properties(),
                        when));
            }
        }
        // time runs as in the service: between inputs, windows close and @every schedules fall due
        inputs.sort(java.util.Comparator.comparing(JourneyEngine.Input::timestamp));
        Outcomes outcomes = new Outcomes();
        Instant from = signup;
        for (JourneyEngine.Input in : inputs) {
            add(outcomes, engine.runUntil(book, state, from, in.timestamp(), false));
            add(outcomes, engine.apply(book, state, List.of(in)));
            from = in.timestamp().isAfter(from) ? in.timestamp() : from;
        }
        Instant lookAt = at == null ? last : ScenarioRunner.time(at, signup);
        Outcomes afterwards = engine.runUntil(book, state, from, lookAt, true);
        List<Stall> stalls = new ArrayList<>();
        for (Outcomes o : List.of(outcomes, afterwards)) {
            o.stalls.forEach(s -> stalls.add(new Stall(s.milestone(), s.since())));
        }
        List<Outcomes.ActionTriggered> actions = new ArrayList<>(outcomes.actions);
        actions.addAll(afterwards.actions);
        List<Outcomes.MilestoneReached> milestones = new ArrayList<>(outcomes.milestones);
        milestones.addAll(afterwards.milestones);
        List<Outcomes.Failure> failures = new ArrayList<>(outcomes.failures);
        failures.addAll(afterwards.failures);
        // each rule once, in the order it first fired (a rule fires at every evaluation its conditions hold)
        java.util.Set<String> fired = new java.util.LinkedHashSet<>(outcomes.firedRules);
        fired.addAll(afterwards.firedRules);
        return new Result(signup, lookAt, milestones, stalls, actions, failures, List.copyOf(fired));
    }

    private static void add(Outcomes to, Outcomes more) {
        to.milestones.addAll(more.milestones);
        to.actions.addAll(more.actions);
        to.stalls.addAll(more.stalls);
        to.failures.addAll(more.failures);
        to.firedRules.addAll(more.firedRules);
    }
}
