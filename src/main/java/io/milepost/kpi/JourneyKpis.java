package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.common.JsonProblem;
import io.milepost.engine.RuleBook;
import io.milepost.engine.RuleSet;
import io.milepost.kpi.JourneyQueries.ByDay;
import io.milepost.kpi.JourneyQueries.ByTrait;
import io.milepost.kpi.JourneyQueries.Counts;
import io.milepost.kpi.JourneyQueries.Group;
import io.milepost.kpi.JourneyQueries.Grouping;
import io.milepost.kpi.JourneyQueries.None;
import io.milepost.kpi.JourneyQueries.StallCount;
import io.milepost.kpi.JourneyQueries.TimeCount;
import io.milepost.kpi.JourneyQueries.TimePercentiles;
import io.milepost.kpi.JourneyQueries.ValueCount;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * The journey KPIs: the funnel (optionally per trait value), signup cohorts over time and the time
 * to reach a milestone, for the users who signed up in {@code [from, to)}, counted by the database
 * from the records ({@link JourneyQueries}).
 */
@ApplicationScoped
public class JourneyKpis {
    /** Most cohorts one answer gives (a year of days). */
    static final int MAX_COHORTS = 366;
    static final int MAX_TOP = 50;

    private final JourneyQueries queries;
    private final RuleSet rules;
    private final Clock clock;

    public JourneyKpis(JourneyQueries queries, RuleSet rules, Clock clock) {
        this.queries = queries;
        this.rules = rules;
        this.clock = clock;
    }

    @Transactional
    public FunnelView funnel(Instant from, Instant to, String trait, int top) {
        requireRange(from, to);
        if (top < 1 || top > MAX_TOP) {
            throw ApiException.badRequest("top must be between 1 and " + MAX_TOP);
        }
        Journey journey = journey();
        Instant asOf = clock.instant();
        Grouping grouping = new None();
        List<ValueCount> values = List.of();
        if (trait != null) {
            values = queries.topValues(trait, from, to, top);
            grouping = new ByTrait(trait, values.stream().map(ValueCount::value).toList());
        }
        Map<Long, Group> groups = new HashMap<>();
        for (Group g : queries.figures(journey, from, to, grouping, asOf)) {
            groups.put(g.key(), g);
        }
        Map<Long, long[]> stalls = new HashMap<>();
        for (StallCount s : queries.stalls(journey, from, to, grouping)) {
            stalls.computeIfAbsent(s.key(), k -> new long[journey.steps().size()])[s.step()] += s.count();
        }
        Set<Integer> all = Set.copyOf(IntStream.range(0, journey.steps().size()).boxed().toList());
        Map<Long, TimePercentiles[]> times = new HashMap<>();
        for (TimePercentiles t : queries.percentiles(journey, from, to, grouping, all)) {
            times.computeIfAbsent(t.key(), k -> new TimePercentiles[journey.steps().size()])[t.step()] = t;
        }

        // the whole cohort: the groups partition it, so its counts are their sums
        Group total = sum(journey, groups.values());
        long[] totalStalls = new long[journey.steps().size()];
        stalls.values().forEach(s -> IntStream.range(0, s.length).forEach(i -> totalStalls[i] += s[i]));
        // percentiles do not add up: the whole cohort's are a statement of their own
        TimePercentiles[] totalTimes = trait == null ? times.getOrDefault(0L, new TimePercentiles[journey.steps().size()])
                : new TimePercentiles[journey.steps().size()];
        if (trait != null) {
            queries.percentiles(journey, from, to, new None(), all).forEach(t -> totalTimes[t.step()] = t);
        }
        List<FunnelView.Step> steps = steps(journey, total, totalStalls, totalTimes);

        FunnelView.Breakdown breakdown = null;
        if (trait != null) {
            List<FunnelView.Group> out = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                out.add(group(journey, values.get(i).value(), null, i, groups, stalls, times));
            }
            if (groups.containsKey(ByTrait.OTHER)) {
                out.add(group(journey, "other", true, ByTrait.OTHER, groups, stalls, times));
            }
            if (groups.containsKey(ByTrait.MISSING)) {
                out.add(group(journey, null, null, ByTrait.MISSING, groups, stalls, times));
            }
            breakdown = new FunnelView.Breakdown(trait, out);
        }
        return new FunnelView(from, to, asOf, total.cohort(), steps, breakdown);
    }

    @Transactional
    public CohortsView cohorts(Instant from, Instant to, String interval) {
        requireRange(from, to);
        List<Period> periods = periods(from, to, interval);
        Journey journey = journey();
        Instant asOf = clock.instant();
        int n = journey.steps().size();
        // by signup day, folded into the periods here: a few hundred rows at most
        Map<Long, Group> byDay = new HashMap<>();
        queries.figures(journey, from, to, new ByDay(), asOf).forEach(g -> byDay.put(g.key(), g));
        Map<Long, long[]> stallsByDay = new HashMap<>();
        for (StallCount s : queries.stalls(journey, from, to, new ByDay())) {
            stallsByDay.computeIfAbsent(s.key(), k -> new long[n])[s.step()] += s.count();
        }
        List<CohortsView.Cohort> cohorts = new ArrayList<>();
        for (Period p : periods) {
            List<Group> days = new ArrayList<>();
            long[] stalls = new long[n];
            for (long day = epochDay(p.start()); day <= epochDay(p.end().minusNanos(1000)); day++) {
                if (byDay.containsKey(day)) {
                    days.add(byDay.get(day));
                }
                long[] s = stallsByDay.get(day);
                if (s != null) {
                    IntStream.range(0, n).forEach(i -> stalls[i] += s[i]);
                }
            }
            Group g = sum(journey, days);
            List<CohortsView.Milestone> milestones = new ArrayList<>();
            for (Journey.Step s : journey.steps()) {
                Counts c = g.steps().get(s.index());
                milestones.add(new CohortsView.Milestone(s.name(), c.reached(), c.reachedWithinWindow(), c.inProgress(),
                        stalls[s.index()], share(c.reached(), g.cohort()), share(c.reachedWithinWindow(), g.cohort())));
            }
            cohorts.add(new CohortsView.Cohort(p.start(), p.end(), g.cohort(), milestones));
        }
        return new CohortsView(from, to, interval, asOf, journey.names(), cohorts);
    }

    @Transactional
    public TimeToReachView timeToReach(String milestone, Instant from, Instant to) {
        requireRange(from, to);
        Journey journey = journey();
        Journey.Step step = journey.step(milestone).orElseThrow(() -> unknownMilestone(journey, milestone));
        long[] human = new long[TimeBuckets.HUMAN.size()];
        for (TimeCount t : queries.histogram(journey, from, to, new None(), Set.of(step.index()))) {
            human[t.bucket()] += t.count();
        }
        long reached = LongStream.of(human).sum();
        TimeToReachView.Percentiles percentiles = queries.percentiles(journey, from, to, new None(), Set.of(step.index()))
                .stream().findFirst().map(p -> new TimeToReachView.Percentiles(p.p25(), p.p50(), p.p75(), p.p90(), p.p99()))
                .orElse(null);
        List<TimeToReachView.Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < human.length; i++) {
            TimeBuckets.Human h = TimeBuckets.HUMAN.get(i);
            buckets.add(new TimeToReachView.Bucket(h.from(), h.to(), h.label(), human[i]));
        }
        return new TimeToReachView(step.name(), step.measuredFrom(), from, to, reached, percentiles,
                "exact, nearest rank: the p-th percentile of n times is the ceil(p * n / 100)-th smallest",
                buckets);
    }

    /** The milestone names the catalog has, for checking a request's. */
    public List<String> milestoneNames() {
        return journey().names();
    }

    static ApiException unknownMilestone(Journey journey, String name) {
        return new ApiException(400, "invalid_request", "unknown milestone '" + JsonProblem.cut(name) + "'; the catalog has "
                + String.join(", ", journey.names()), List.of(new io.milepost.common.FieldError(null, "milestone",
                "unknown milestone '" + JsonProblem.cut(name) + "'")));
    }

    private FunnelView.Group group(Journey journey, String value, Boolean other, long key, Map<Long, Group> groups,
                                   Map<Long, long[]> stalls, Map<Long, TimePercentiles[]> times) {
        Group g = groups.getOrDefault(key, sum(journey, List.of()));
        return new FunnelView.Group(value, other, g.cohort(), steps(journey, g,
                stalls.getOrDefault(key, new long[journey.steps().size()]), times.getOrDefault(key, new TimePercentiles[journey.steps().size()])));
    }

    private static List<FunnelView.Step> steps(Journey journey, Group g, long[] stalls, TimePercentiles[] times) {
        List<FunnelView.Step> steps = new ArrayList<>();
        for (Journey.Step s : journey.steps()) {
            Counts c = g.steps().get(s.index());
            TimePercentiles t = times[s.index()];
            int order = s.milestone().order();
            steps.add(new FunnelView.Step(s.name(), order == Integer.MAX_VALUE ? null : order, s.within(),
                    s.milestone().after(), s.measuredFrom(), s.previous() == null ? null : journey.steps().get(s.previous()).name(),
                    c.previousReached(), c.reached(), share(c.reached(), g.cohort()), c.reachedAfterPrevious(),
                    share(c.reachedAfterPrevious(), c.previousReached()), c.droppedOff(), c.reachedWithinWindow(),
                    stalls[s.index()], c.inProgress(), g.cohort() - c.reached(),
                    t == null ? null : t.p50(), t == null ? null : t.p90()));
        }
        return steps;
    }

    private static Group sum(Journey journey, Iterable<Group> groups) {
        int n = journey.steps().size();
        long cohort = 0;
        long[][] c = new long[n][6];
        for (Group g : groups) {
            cohort += g.cohort();
            for (int i = 0; i < n; i++) {
                Counts x = g.steps().get(i);
                long[] v = {x.reached(), x.previousReached(), x.reachedAfterPrevious(), x.reachedWithinWindow(),
                        x.inProgress(), x.droppedOff()};
                for (int j = 0; j < 6; j++) {
                    c[i][j] += v[j];
                }
            }
        }
        List<Counts> steps = new ArrayList<>();
        for (long[] v : c) {
            steps.add(new Counts(v[0], v[1], v[2], v[3], v[4], v[5]));
        }
        return new Group(0, cohort, steps);
    }

    /** The periods of {@code interval} that overlap {@code [from, to)}, each cut to it. */
    static List<Period> periods(Instant from, Instant to, String interval) {
        LocalDate first = LocalDate.ofInstant(from, ZoneOffset.UTC);
        LocalDate start = switch (interval) {
            case "day" -> first;
            case "week" -> first.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "month" -> first.withDayOfMonth(1);
            default -> throw new ApiException(400, "invalid_request", "interval must be day, week or month, not '"
                    + interval + "'", List.of(new io.milepost.common.FieldError(null, "interval", "day, week or month")));
        };
        List<Period> periods = new ArrayList<>();
        for (LocalDate d = start; d.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(to); ) {
            LocalDate next = switch (interval) {
                case "day" -> d.plusDays(1);
                case "week" -> d.plusWeeks(1);
                default -> d.plusMonths(1);
            };
            if (periods.size() == MAX_COHORTS) {
                throw ApiException.badRequest("from-to holds more than " + MAX_COHORTS + " " + interval
                        + " cohorts; ask for a shorter range or a longer interval");
            }
            Instant s = d.atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant e = next.atStartOfDay(ZoneOffset.UTC).toInstant();
            periods.add(new Period(s.isBefore(from) ? from : s, e.isAfter(to) ? to : e));
            d = next;
        }
        return periods;
    }

    /** A cohort's signup range. */
    record Period(Instant start, Instant end) {
    }

    private static long epochDay(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 86_400);
    }

    private Journey journey() {
        RuleBook book = rules.current();
        return Journey.of(book == null ? List.of() : book.milestones());
    }

    private static void requireRange(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new ApiException(400, "invalid_request", "from must be before to",
                    List.of(new io.milepost.common.FieldError(null, "from", "must be before to (" + to + ")")));
        }
    }

    private static Double share(long part, long whole) {
        return whole == 0 ? null : Math.round(10_000.0 * part / whole) / 10_000.0;
    }
}
