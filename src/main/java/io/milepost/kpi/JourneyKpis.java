package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.common.JsonProblem;
import io.milepost.kpi.JourneyQueries.ByDay;
import io.milepost.kpi.JourneyQueries.ByTrait;
import io.milepost.kpi.JourneyQueries.ByValue;
import io.milepost.kpi.JourneyQueries.Counts;
import io.milepost.kpi.JourneyQueries.Grouping;
import io.milepost.kpi.JourneyQueries.Key;
import io.milepost.kpi.JourneyQueries.None;
import io.milepost.kpi.JourneyQueries.Range;
import io.milepost.kpi.JourneyQueries.Scope;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.LongStream;

/**
 * The journey KPIs: the funnel (optionally per trait value), signup cohorts over time and the time
 * to reach a milestone, for the users who signed up in {@code [from, to)}: read from the figures
 * kept per signup day where they are current, and counted by the database from the records for the
 * rest ({@link KpiParts}), with the figures that change with time (in progress, dropped off)
 * counted for the users who may still have a window open.
 */
@ApplicationScoped
public class JourneyKpis {
    /** Most cohorts one answer gives (a year of days). */
    static final int MAX_COHORTS = 366;

    static final int MAX_TOP = 50;

    private final KpiDays days;
    private final JourneyQueries queries;
    private final Clock clock;

    public JourneyKpis(KpiDays days, JourneyQueries queries, Clock clock) {
        this.days = days;
        this.queries = queries;
        this.clock = clock;
    }

    @Transactional
    public FunnelView funnel(Instant from, Instant to, String trait, int top) {
        requireRange(from, to);
        if (top < 1 || top > MAX_TOP) {
            throw ApiException.badRequest("top must be between 1 and " + MAX_TOP);
        }
        Journey journey = days.journey();
        Instant asOf = clock.instant();
        if (trait == null) {
            Tally whole =
                    tally(journey, from, to, asOf, null, false, false).getOrDefault(NONE, new Tally(journey.size()));
            return new FunnelView(from, to, asOf, whole.cohort, steps(journey, whole), null);
        }
        List<FunnelView.Group> groups = new ArrayList<>();
        Tally whole = new Tally(journey.size());
        if (days.keeps(trait)) {
            // kept per value: the largest values, the rest as "other", and the users without it
            Map<Key, Tally> byValue = tally(journey, from, to, asOf, trait, false, false);
            byValue.values().forEach(whole::add);
            List<Map.Entry<Key, Tally>> values = byValue.entrySet().stream()
                    .filter(e -> e.getKey().v() != null)
                    .sorted(Comparator.comparingLong((Map.Entry<Key, Tally> e) -> -e.getValue().cohort)
                            .thenComparing(e -> e.getKey().v()))
                    .toList();
            Tally other = new Tally(journey.size());
            for (int i = 0; i < values.size(); i++) {
                if (i < top) {
                    groups.add(group(
                            journey,
                            values.get(i).getKey().v(),
                            null,
                            values.get(i).getValue()));
                } else {
                    other.add(values.get(i).getValue());
                }
            }
            if (values.size() > top) {
                groups.add(group(journey, "other", true, other));
            }
            Tally missing = byValue.get(new Key(0, null));
            if (missing != null && missing.cohort > 0) {
                groups.add(group(journey, null, null, missing));
            }
        } else {
            // any other trait: counted from the records, split by its largest values in the database
            List<String> values = queries.topValues(trait, new Range(from, to), top).stream()
                    .map(ValueCount::value)
                    .toList();
            Map<Key, Tally> byGroup = days.count(journey, Scope.of(from, to), new ByTrait(trait, values), asOf, false);
            byGroup.values().forEach(whole::add);
            for (int i = 0; i < values.size(); i++) {
                groups.add(group(
                        journey,
                        values.get(i),
                        null,
                        byGroup.getOrDefault(new Key(i, null), new Tally(journey.size()))));
            }
            Tally other = byGroup.get(new Key(ByTrait.OTHER, null));
            if (other != null) {
                groups.add(group(journey, "other", true, other));
            }
            Tally missing = byGroup.get(new Key(ByTrait.MISSING, null));
            if (missing != null) {
                groups.add(group(journey, null, null, missing));
            }
        }
        return new FunnelView(
                from, to, asOf, whole.cohort, steps(journey, whole), new FunnelView.Breakdown(trait, groups));
    }

    @Transactional
    public CohortsView cohorts(Instant from, Instant to, String interval) {
        requireRange(from, to);
        List<Period> periods = periods(from, to, interval);
        Journey journey = days.journey();
        Instant asOf = clock.instant();
        Map<Key, Tally> byDay = tally(journey, from, to, asOf, null, true, false);
        List<CohortsView.Cohort> cohorts = new ArrayList<>();
        for (Period p : periods) {
            Tally g = new Tally(journey.size());
            for (long day = KpiDays.day(p.start()); day <= KpiDays.day(p.end().minusNanos(1000)); day++) {
                Tally t = byDay.get(new Key(day, null));
                if (t != null) {
                    g.add(t);
                }
            }
            List<CohortsView.Milestone> milestones = new ArrayList<>();
            for (Journey.Step s : journey.steps()) {
                Counts c = g.steps[s.index()];
                milestones.add(new CohortsView.Milestone(
                        s.name(),
                        c.reached(),
                        c.reachedWithinWindow(),
                        c.inProgress(),
                        g.stalls[s.index()],
                        share(c.reached(), g.cohort),
                        share(c.reachedWithinWindow(), g.cohort)));
            }
            cohorts.add(new CohortsView.Cohort(p.start(), p.end(), g.cohort, milestones));
        }
        return new CohortsView(from, to, interval, asOf, journey.names(), cohorts);
    }

    @Transactional
    public TimeToReachView timeToReach(String milestone, Instant from, Instant to) {
        requireRange(from, to);
        Journey journey = days.journey();
        Journey.Step step = journey.step(milestone).orElseThrow(() -> unknownMilestone(journey, milestone));
        Tally whole = tally(journey, from, to, null, null, false, true).getOrDefault(NONE, new Tally(journey.size()));
        long[] readable = whole.readable[step.index()];
        SortedMap<Integer, Long> times = whole.times[step.index()];
        long reached = LongStream.of(readable).sum();
        TimeToReachView.Percentiles percentiles = reached == 0
                ? null
                : new TimeToReachView.Percentiles(
                        TimeBuckets.percentile(times, 25),
                        TimeBuckets.percentile(times, 50),
                        TimeBuckets.percentile(times, 75),
                        TimeBuckets.percentile(times, 90),
                        TimeBuckets.percentile(times, 99));
        List<TimeToReachView.Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < readable.length; i++) {
            TimeBuckets.Human h = TimeBuckets.HUMAN.get(i);
            buckets.add(new TimeToReachView.Bucket(h.from(), h.to(), h.label(), readable[i]));
        }
        return new TimeToReachView(
                step.name(), step.measuredFrom(), from, to, reached, percentiles, TimeBuckets.METHOD, buckets);
    }

    /** The whole days that hold every user's signup, {@code [from, to)}, or null without users. */
    @Transactional
    public Instant[] signupSpan() {
        long[] span = days.signupDays();
        return span == null ? null : new Instant[] {KpiDays.start(span[0]), KpiDays.start(span[1] + 1)};
    }

    /**
     * A milestone's place in the journey, as the funnel counts it: the milestone before it
     * ({@code previous}: its {@code @after}, else the one before it in {@code @order}; null for the
     * first), the one its window opens at ({@code after}; null: signup) and its window ({@code within}; null: none).
     */
    public record Place(String previous, String after, Duration within) {}

    /** The place of a milestone of the catalog; a 400 naming the catalog for another name. */
    public Place place(String milestone) {
        Journey journey = days.journey();
        Journey.Step step = journey.step(milestone).orElseThrow(() -> unknownMilestone(journey, milestone));
        return new Place(
                step.previous() == null
                        ? null
                        : journey.steps().get(step.previous()).name(),
                step.milestone().after(),
                step.within());
    }

    /** The milestone names the catalog has, for checking a request's. */
    public List<String> milestoneNames() {
        return days.journey().names();
    }

    static ApiException unknownMilestone(Journey journey, String name) {
        return new ApiException(
                400,
                "invalid_request",
                "unknown milestone '" + JsonProblem.cut(name) + "'; the catalog has "
                        + String.join(", ", journey.names()),
                List.of(new io.milepost.common.FieldError(
                        null, "milestone", "unknown milestone '" + JsonProblem.cut(name) + "'")));
    }

    private static final Key NONE = new Key(0, null);

    /**
     * The figures of the signups of {@code [from, to)}, as one group ({@link #NONE}), per signup day
     * ({@code byDay}) or per value of a kept breakdown trait: kept figures, the uncounted rest from the
     * records, and the time-dependent counts as of {@code asOf} (null: only the times to reach are
     * wanted, which do not change with time).
     */
    private Map<Key, Tally> tally(
            Journey journey, Instant from, Instant to, Instant asOf, String trait, boolean byDay, boolean timesOnly) {
        Grouping grouping = trait != null ? new ByValue(trait) : byDay ? new ByDay() : new None();
        KpiParts parts = KpiParts.of(days, journey, from, to);
        Instant now = asOf == null ? clock.instant() : asOf;
        Map<Key, Tally> tallies = new HashMap<>();
        days.readJourney(journey, parts.fingerprint(), trait, parts.recounts(), byDay, now, tallies);
        days.count(journey, new Scope(parts.uncounted()), grouping, now, timesOnly)
                .forEach((k, t) -> tallies.computeIfAbsent(k, x -> new Tally(journey.size()))
                        .add(t));
        if (!timesOnly) {
            // kept figures say a window closed where it may still be open: those users are in progress
            for (JourneyQueries.OpenCount o :
                    queries.openWindows(journey, KpiDays.ranges(parts.kept()), grouping, now)) {
                Tally t = tallies.computeIfAbsent(o.key(), k -> new Tally(journey.size()));
                Counts c = t.steps[o.step()];
                t.steps[o.step()] = new Counts(
                        c.reached(),
                        c.previousReached(),
                        c.reachedAfterPrevious(),
                        c.reachedWithinWindow(),
                        c.inProgress() + o.open(),
                        c.droppedOff() - o.openAfterPrevious());
            }
        }
        return tallies;
    }

    private static FunnelView.Group group(Journey journey, String value, Boolean other, Tally t) {
        return new FunnelView.Group(value, other, t.cohort, steps(journey, t));
    }

    private static List<FunnelView.Step> steps(Journey journey, Tally g) {
        List<FunnelView.Step> steps = new ArrayList<>();
        for (Journey.Step s : journey.steps()) {
            Counts c = g.steps[s.index()];
            SortedMap<Integer, Long> times = g.times[s.index()];
            int order = s.milestone().order();
            steps.add(new FunnelView.Step(
                    s.name(),
                    order == Integer.MAX_VALUE ? null : order,
                    s.within(),
                    s.milestone().after(),
                    s.measuredFrom(),
                    s.previous() == null
                            ? null
                            : journey.steps().get(s.previous()).name(),
                    c.previousReached(),
                    c.reached(),
                    share(c.reached(), g.cohort),
                    c.reachedAfterPrevious(),
                    share(c.reachedAfterPrevious(), c.previousReached()),
                    c.droppedOff(),
                    c.reachedWithinWindow(),
                    g.stalls[s.index()],
                    c.inProgress(),
                    g.cohort - c.reached(),
                    TimeBuckets.percentile(times, 50),
                    TimeBuckets.percentile(times, 90)));
        }
        return steps;
    }

    /** The periods of {@code interval} that overlap {@code [from, to)}, each cut to it. */
    static List<Period> periods(Instant from, Instant to, String interval) {
        LocalDate first = LocalDate.ofInstant(from, ZoneOffset.UTC);
        LocalDate start = switch (interval) {
            case "day" -> first;
            case "week" -> first.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "month" -> first.withDayOfMonth(1);
            default ->
                throw new ApiException(
                        400,
                        "invalid_request",
                        "interval must be day, week or month, not '" + interval + "'",
                        List.of(new io.milepost.common.FieldError(null, "interval", "day, week or month")));
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
    record Period(Instant start, Instant end) {}

    private static void requireRange(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "from must be before to",
                    List.of(new io.milepost.common.FieldError(null, "from", "must be before to (" + to + ")")));
        }
    }

    private static Double share(long part, long whole) {
        return whole == 0 ? null : Math.round(10_000.0 * part / whole) / 10_000.0;
    }
}
