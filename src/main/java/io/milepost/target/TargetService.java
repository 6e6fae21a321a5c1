package io.milepost.target;

import static io.milepost.store.Sql.at;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.common.JsonProblem;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.kpi.CohortsView;
import io.milepost.kpi.JourneyKpis;
import io.milepost.outbox.Outbox;
import io.milepost.rules.RuleSet;
import io.milepost.store.RowWriter;
import io.milepost.store.Sql;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * SMART targets: stored goals ("60% of each weekly signup cohort reaches first_value within its
 * window by 2027-03-31"), their cohorts from the records, and their status ({@link TargetJudge}).
 * A status change is announced once, as a {@code target.status_changed} outbox message, in the
 * transaction that records it; evaluations lock the targets they judge ({@code FOR UPDATE SKIP
 * LOCKED}), so instances sharing a database never announce the same change twice.
 */
@ApplicationScoped
public class TargetService {
    /** How many cohorts a target shows (the newest up to now, or up to its deadline once that has passed). */
    static final int SHOWN = 8;

    private final EntityManager em;
    private final TargetRepository targets;
    private final RuleSet rules;
    private final Outbox outbox;
    private final RowWriter rows;
    private final Clock clock;
    private final JourneyKpis kpis;

    public TargetService(
            EntityManager em,
            TargetRepository targets,
            RuleSet rules,
            Outbox outbox,
            RowWriter rows,
            Clock clock,
            JourneyKpis kpis) {
        this.kpis = kpis;
        this.em = em;
        this.targets = targets;
        this.rules = rules;
        this.outbox = outbox;
        this.rows = rows;
        this.clock = clock;
    }

    @Scheduled(
            identity = "milepost-targets",
            every = "${milepost.targets.interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        evaluate(clock.instant());
    }

    /** Judges every target at {@code now}; announces and records each status that changed. Returns how many changed. */
    @Transactional
    public int evaluate(Instant now) {
        int changed = 0;
        for (TargetEntity t : targets.lockFree()) {
            if (judge(t, now)) {
                changed++;
            }
        }
        rows.flush();
        return changed;
    }

    @Transactional
    public TargetView create(TargetRequest r) {
        Instant now = clock.instant();
        List<FieldError> errors = new ArrayList<>();
        require(r.name(), "name", errors);
        require(r.milestone(), "milestone", errors);
        if (r.share() == null) {
            errors.add(new FieldError(null, "share", "is required"));
        }
        if (r.deadline() == null) {
            errors.add(new FieldError(null, "deadline", "is required"));
        }
        TargetEntity t = new TargetEntity();
        t.withinWindow = true;
        t.cohort = "week";
        apply(t, r, now, errors);
        refuse(errors);
        t.id = "tg_" + HexFormat.of().toHexDigits(UUID.randomUUID().getMostSignificantBits());
        t.createdAt = now;
        t.updatedAt = now;
        TargetJudge.Verdict v = verdict(t, now);
        // the first status is not a change: nothing is announced
        t.status = v.status();
        t.statusSince = now;
        t.explanation = v.explanation();
        t.evaluatedAt = now;
        targets.persist(t);
        return view(t, now);
    }

    @Transactional
    public Optional<TargetView> update(String id, TargetRequest r) {
        Instant now = clock.instant();
        TargetEntity t = targets.locked(id).orElse(null);
        if (t == null) {
            return Optional.empty();
        }
        List<FieldError> errors = new ArrayList<>();
        apply(t, r, now, errors);
        refuse(errors);
        t.updatedAt = now;
        judge(t, now);
        rows.flush();
        return Optional.of(view(t, now));
    }

    @Transactional
    public boolean delete(String id) {
        return targets.deleteById(id);
    }

    @Transactional
    public Optional<TargetView> find(String id) {
        return targets.findByIdOptional(id).map(t -> view(t, clock.instant()));
    }

    @Transactional
    public List<TargetView> list() {
        Instant now = clock.instant();
        return targets.all().stream().map(t -> view(t, now)).toList();
    }

    /** Re-judges one (locked) target; announces a changed status. Returns whether it changed. */
    private boolean judge(TargetEntity t, Instant now) {
        TargetJudge.Verdict v = verdict(t, now);
        t.explanation = v.explanation();
        t.evaluatedAt = now;
        if (v.status().equals(t.status)) {
            return false;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("targetId", t.id);
        data.put("name", t.name);
        data.put("milestone", t.milestone);
        data.put("share", t.share);
        data.put("withinWindow", t.withinWindow);
        data.put("cohort", t.cohort);
        data.put("deadline", t.deadline.toString());
        data.put("previousStatus", t.status);
        data.put("status", v.status());
        data.put("explanation", v.explanation());
        if (v.current() != null) {
            Map<String, Object> current = new LinkedHashMap<>();
            current.put("start", v.current().start().toString());
            current.put("end", v.current().end().toString());
            current.put("size", v.current().size());
            current.put("reached", v.current().reached());
            current.put("share", v.current().share());
            current.put("complete", v.current().complete());
            data.put("current", current);
        }
        outbox.targetStatusChanged(t.id, data, now, now);
        t.status = v.status();
        t.statusSince = now;
        return true;
    }

    private TargetView view(TargetEntity t, Instant now) {
        List<TargetView.Cohort> cohorts = cohorts(t, now);
        TargetJudge.Verdict v = verdict(t, cohorts, now);
        return new TargetView(
                t.id,
                t.name,
                t.milestone,
                t.share,
                t.withinWindow,
                t.cohort,
                t.deadline,
                t.createdAt,
                t.status,
                t.statusSince,
                t.explanation,
                t.evaluatedAt,
                v.current(),
                v.projection(),
                cohorts);
    }

    private TargetJudge.Verdict verdict(TargetEntity t, Instant now) {
        return verdict(t, cohorts(t, now), now);
    }

    private static TargetJudge.Verdict verdict(TargetEntity t, List<TargetView.Cohort> cohorts, Instant now) {
        Instant deadlineEnd =
                t.deadline.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return TargetJudge.judge(
                t.share,
                cohorts,
                deadlineEnd,
                periodStart(t.deadline, t.cohort),
                now,
                "week".equals(t.cohort) ? "weekly" : "monthly");
    }

    /**
     * The {@value #SHOWN} cohorts up to now (or up to the deadline day, once it has passed), oldest
     * first: from the journey KPIs' cohorts (the figures kept per signup day), so a target costs what
     * the Cohorts page costs, whatever the number of users. A milestone no longer in the catalog has
     * no KPI figures: its cohorts are counted from the records.
     */
    List<TargetView.Cohort> cohorts(TargetEntity t, Instant now) {
        Instant deadlineEnd =
                t.deadline.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant anchor = now.isBefore(deadlineEnd) ? now : deadlineEnd.minusSeconds(1);
        LocalDate last =
                LocalDate.ofInstant(periodStart(LocalDate.ofInstant(anchor, ZoneOffset.UTC), t.cohort), ZoneOffset.UTC);
        List<Instant> bounds = new ArrayList<>();
        for (int i = SHOWN - 1; i >= -1; i--) {
            LocalDate day = "week".equals(t.cohort) ? last.minusWeeks(i) : last.minusMonths(i);
            bounds.add(day.atStartOfDay(ZoneOffset.UTC).toInstant());
        }
        MilestoneDefinition m = definition(t.milestone);
        Duration window = m == null ? Duration.ZERO : Objects.requireNonNullElse(chainWindow(m), Duration.ZERO);
        List<TargetView.Cohort> cohorts = new ArrayList<>();
        if (m == null) {
            for (int i = 0; i < SHOWN; i++) {
                cohorts.add(count(
                        t,
                        bounds.get(i),
                        bounds.get(i + 1),
                        now,
                        !bounds.get(i + 1).isAfter(now)));
            }
            return cohorts;
        }
        boolean withinWindow = t.withinWindow && m.within() != null;
        for (CohortsView.Cohort c :
                kpis.cohorts(bounds.get(0), bounds.get(SHOWN), t.cohort).cohorts()) {
            CohortsView.Milestone figures = c.milestones().stream()
                    .filter(x -> x.milestone().equals(t.milestone))
                    .findFirst()
                    .orElseThrow();
            long reached = withinWindow ? figures.reachedWithinWindow() : figures.reached();
            boolean complete = !c.end().plus(window).isAfter(now);
            cohorts.add(
                    new TargetView.Cohort(c.start(), c.end(), c.size(), reached, share(reached, c.size()), complete));
        }
        return cohorts;
    }

    private static Double share(long part, long whole) {
        return whole == 0 ? null : Math.round(10_000.0 * part / whole) / 10_000.0;
    }

    /**
     * Users who signed up in {@code [start, end)}, and how many of them reached the milestone by
     * {@code now}, from the records: for a milestone the catalog no longer has (no window to check).
     */
    private TargetView.Cohort count(TargetEntity t, Instant start, Instant end, Instant now, boolean complete) {
        String sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.reached_at <= ? THEN 1 ELSE 0 END), 0) "
                + "FROM users u LEFT JOIN milestones m ON m.user_id = u.id AND m.milestone = ? "
                + "WHERE u.signed_up_at >= ? AND u.signed_up_at < ?";
        long[] counts = new long[2];
        Sql.run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, at(now));
                ps.setString(2, t.milestone);
                ps.setObject(3, at(start));
                ps.setObject(4, at(end));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    counts[0] = rs.getLong(1);
                    counts[1] = rs.getLong(2);
                }
            }
        });
        return new TargetView.Cohort(start, end, counts[0], counts[1], share(counts[1], counts[0]), complete);
    }

    /** The time after a cohort's end by which every user's window has closed: the windows along the @after chain. */
    private Duration chainWindow(MilestoneDefinition m) {
        Duration total = Duration.ZERO;
        MilestoneDefinition step = m;
        for (int guard = 0; step != null && step.within() != null && guard < 32; guard++) {
            total = total.plus(step.within());
            step = step.after() == null ? null : definition(step.after());
        }
        return total.isZero() ? null : total;
    }

    private MilestoneDefinition definition(String name) {
        RuleBook book = rules.current();
        return book == null
                ? null
                : book.milestones().stream()
                        .filter(d -> d.name().equals(name))
                        .findFirst()
                        .orElse(null);
    }

    static Instant periodStart(LocalDate day, String cohort) {
        LocalDate start = "week".equals(cohort)
                ? day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                : day.withDayOfMonth(1);
        return start.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Checks and applies the fields given; a past deadline is refused (on create and when PATCH changes it). */
    private void apply(TargetEntity t, TargetRequest r, Instant now, List<FieldError> errors) {
        if (r.name() != null) {
            if (r.name().isBlank() || r.name().length() > 200) {
                errors.add(new FieldError(null, "name", "must be 1 to 200 characters"));
            }
            t.name = r.name().trim();
        }
        if (r.milestone() != null) {
            if (definition(r.milestone()) == null) {
                RuleBook book = rules.current();
                errors.add(new FieldError(
                        null,
                        "milestone",
                        "unknown milestone '" + JsonProblem.cut(r.milestone()) + "'; known: "
                                + (book == null
                                        ? List.of()
                                        : book.milestones().stream()
                                                .map(MilestoneDefinition::name)
                                                .toList())));
            }
            t.milestone = r.milestone();
        }
        if (r.share() != null) {
            if (!(r.share() > 0 && r.share() <= 1)) {
                errors.add(new FieldError(null, "share", "must be a fraction more than 0 and at most 1 (0.6 for 60%)"));
            }
            t.share = r.share();
        }
        if (r.withinWindow() != null) {
            t.withinWindow = r.withinWindow();
        }
        if (r.cohort() != null) {
            if (!r.cohort().equals("week") && !r.cohort().equals("month")) {
                errors.add(new FieldError(null, "cohort", "must be week or month"));
            }
            t.cohort = r.cohort();
        }
        if (r.deadline() != null) {
            try {
                LocalDate deadline = LocalDate.parse(r.deadline());
                if (deadline.isBefore(LocalDate.ofInstant(now, ZoneOffset.UTC))) {
                    errors.add(new FieldError(null, "deadline", "is in the past"));
                }
                t.deadline = deadline;
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(null, "deadline", "must be a date (2027-03-31)"));
            }
        }
    }

    private static void require(String value, String field, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(null, field, "is required"));
        }
    }

    private static void refuse(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    errors.stream()
                            .map(e -> e.field() + " " + e.message())
                            .reduce((a, b) -> a + "; " + b)
                            .orElse(""),
                    errors);
        }
    }
}
