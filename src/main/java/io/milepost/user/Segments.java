package io.milepost.user;

import static io.milepost.store.Sql.at;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.common.Json;
import io.milepost.common.JsonProblem;
import io.milepost.engine.MilestoneDefinition;
import io.milepost.engine.RuleBook;
import io.milepost.kpi.FunnelView;
import io.milepost.kpi.JourneyKpis;
import io.milepost.rules.RuleSet;
import io.milepost.store.Sql;
import io.milepost.store.TraitSql;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Segments of users ({@code GET /v1/users}): validated from the query, counted, listed a page at a
 * time by id, or exported as CSV. The export reads the users with a forward-only, read-only cursor
 * of {@value #FETCH} rows at a time and writes each row as it is read, so its memory does not grow
 * with the segment (on PostgreSQL the driver fetches from a server-side cursor; H2 keeps a large
 * result in a temporary file, not in the heap).
 */
@ApplicationScoped
public class Segments {
    static final int MAX_LIMIT = 1000;
    static final int FETCH = 500;
    static final Set<String> PARAMETERS = Set.of(
            "milestone",
            "reached",
            "state",
            "stalled",
            "signedUpFrom",
            "signedUpTo",
            "q",
            "limit",
            "cursor",
            "format",
            "traits");
    static final String TRAIT = "trait.";
    static final List<String> CSV_COLUMNS = List.of("userId", "signedUpAt", "stage", "lastEventAt");
    private static final Pattern TRAIT_NAME = Pattern.compile("[A-Za-z0-9_$.-]{1,100}");

    private final EntityManager em;
    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final RuleSet rules;
    private final TraitSql traitSql;
    private final Counter exportedRows;
    private final JourneyKpis kpis;
    private final Clock clock;

    public Segments(
            EntityManager em,
            DataSource dataSource,
            ObjectMapper mapper,
            RuleSet rules,
            MeterRegistry metrics,
            TraitSql traitSql,
            JourneyKpis kpis,
            Clock clock) {
        this.kpis = kpis;
        this.clock = clock;
        this.em = em;
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.rules = rules;
        this.traitSql = traitSql;
        this.exportedRows = metrics.counter("milepost.segments.exported.rows");
    }

    /** What a request asks for: the segment, and how to answer. */
    public record Request(Segment segment, boolean csv, int limit, String cursor, List<String> traitColumns) {}

    /**
     * Reads and checks the query: unknown parameters, unknown milestones, bad values are a 400 that
     * names each of them (never "every user").
     */
    public Request parse(Map<String, List<String>> query, boolean acceptsCsvOnly) {
        List<FieldError> errors = new ArrayList<>();
        // in name order, so the details come out the same whatever order the query had
        query = new TreeMap<>(query);
        for (Map.Entry<String, List<String>> p : query.entrySet()) {
            String name = p.getKey();
            if (!PARAMETERS.contains(name) && !name.startsWith(TRAIT)) {
                errors.add(new FieldError(null, name, "unknown parameter"));
            } else if (p.getValue().size() > 1) {
                errors.add(new FieldError(null, name, "given more than once"));
            }
        }
        Set<String> journey = journey();
        String milestone = single(query, "milestone");
        if (milestone != null && !journey.contains(milestone)) {
            errors.add(new FieldError(
                    null, "milestone", "unknown milestone '" + JsonProblem.cut(milestone) + "'; known: " + journey));
        }
        String stalled = single(query, "stalled");
        if (stalled != null && !journey.contains(stalled)) {
            errors.add(new FieldError(
                    null, "stalled", "unknown milestone '" + JsonProblem.cut(stalled) + "'; known: " + journey));
        }
        String reachedText = single(query, "reached");
        boolean reached = true;
        if (reachedText != null) {
            if (!reachedText.equals("true") && !reachedText.equals("false")) {
                errors.add(new FieldError(null, "reached", "must be true or false"));
            } else if (milestone == null) {
                errors.add(new FieldError(null, "reached", "needs milestone: ?milestone=first_value&reached=false"));
            }
            reached = !"false".equals(reachedText);
        }
        String stateText = single(query, "state");
        Segment.State state = null;
        if (stateText != null) {
            for (Segment.State st : Segment.State.values()) {
                if (st.parameter().equals(stateText)) {
                    state = st;
                }
            }
            if (state == null) {
                errors.add(new FieldError(null, "state", "must be reached_within_window, in_progress or dropped_off"));
            } else if (milestone == null) {
                errors.add(new FieldError(
                        null, "state", "needs milestone: ?milestone=first_value&state=" + state.parameter()));
            } else if (reachedText != null) {
                errors.add(new FieldError(
                        null,
                        "reached",
                        "leave out reached with state: " + state.parameter()
                                + " already says whether the milestone was reached"));
            }
            reached = state == Segment.State.REACHED_WITHIN_WINDOW;
        }
        Instant from = time(query, "signedUpFrom", errors);
        Instant to = time(query, "signedUpTo", errors);
        if (from != null && to != null && !from.isBefore(to)) {
            errors.add(new FieldError(null, "signedUpTo", "must be after signedUpFrom"));
        }
        Map<String, String> traits = new TreeMap<>();
        for (Map.Entry<String, List<String>> p : query.entrySet()) {
            if (p.getKey().startsWith(TRAIT)) {
                String name = p.getKey().substring(TRAIT.length());
                if (!TRAIT_NAME.matcher(name).matches()) {
                    errors.add(
                            new FieldError(null, p.getKey(), "a trait name is 1 to 100 letters, digits, _ - . or $"));
                } else {
                    traits.put(name, p.getValue().isEmpty() ? "" : p.getValue().get(0));
                }
            }
        }
        String format = single(query, "format");
        if (format != null && !format.equals("csv") && !format.equals("json")) {
            errors.add(new FieldError(null, "format", "must be csv or json"));
        }
        boolean csv = "csv".equals(format) || format == null && acceptsCsvOnly;
        String limitText = single(query, "limit");
        int limit = 100;
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                errors.add(new FieldError(null, "limit", "must be a whole number from 1 to " + MAX_LIMIT));
            }
        }
        String cursor = single(query, "cursor");
        String after = null;
        if (cursor != null) {
            try {
                after = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(null, "cursor", "not a cursor this API gave out"));
            }
        }
        if (csv && (limitText != null || cursor != null)) {
            errors.add(new FieldError(
                    null,
                    limitText != null ? "limit" : "cursor",
                    "a CSV export is the whole segment; leave out limit and cursor"));
        }
        List<String> columns = new ArrayList<>();
        String traitsText = single(query, "traits");
        if (traitsText != null) {
            for (String t : traitsText.split(",")) {
                String name = t.trim();
                if (!TRAIT_NAME.matcher(name).matches()) {
                    errors.add(new FieldError(null, "traits", "'" + JsonProblem.cut(name) + "' is not a trait name"));
                } else if (!columns.contains(name)) {
                    columns.add(name);
                }
            }
        }
        String q = single(query, "q");
        if (!errors.isEmpty()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    errors.stream()
                            .map(e -> e.field() + ": " + e.message())
                            .reduce((a, b) -> a + "; " + b)
                            .orElse(""),
                    errors);
        }
        Segment segment = new Segment(milestone, reached, state, clock.instant(), stalled, from, to, traits, q);
        return new Request(segment, csv, limit, after, columns);
    }

    /** How many users the segment holds, and one page of them by id. */
    @Transactional
    public Segment.Page page(Request request) {
        List<Segment.Member> members = new ArrayList<>();
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
        Long known = totalFromKpis(request.segment());
        Sql.run(em, c -> {
            Where where = where(request.segment());
            if (known != null) {
                total.set(known);
            } else {
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM users u" + where.sql())) {
                    where.bind(ps, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        total.set(rs.getLong(1));
                    }
                }
            }
            String after = request.cursor() == null ? "" : request.cursor();
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT u.id, u.signed_up_at, u.stage, u.last_event_at, u.traits "
                            + "FROM users u" + where.sql() + (where.sql().isEmpty() ? " WHERE" : " AND")
                            + " u.id > ? ORDER BY u.id "
                            + "FETCH FIRST " + (request.limit() + 1) + " ROWS ONLY")) {
                int next = where.bind(ps, 1);
                ps.setString(next, after);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        members.add(new Segment.Member(
                                rs.getString(1),
                                Sql.instant(rs, 2),
                                rs.getString(3),
                                Sql.instant(rs, 4),
                                Json.readMap(mapper, rs.getString(5))));
                    }
                }
            }
        });
        boolean more = members.size() > request.limit();
        List<Segment.Member> shown = more ? members.subList(0, request.limit()) : members;
        String nextCursor = more
                ? Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(shown.get(shown.size() - 1).userId().getBytes(StandardCharsets.UTF_8))
                : null;
        return new Segment.Page(total.get(), List.copyOf(shown), nextCursor);
    }

    /**
     * The size of a segment that the journey funnel already counts (reached, not reached or stalled
     * at one milestone, optionally in a signup range): read from the KPI figures instead of counting
     * every user. Null for any other segment.
     */
    private Long totalFromKpis(Segment s) {
        boolean traitsOrId =
                !s.traits().isEmpty() || s.idPrefix() != null && !s.idPrefix().isEmpty();
        if (traitsOrId || s.milestone() != null && s.stalled() != null) {
            return null;
        }
        Instant[] span = kpis.signupSpan();
        if (span == null) {
            return 0L;
        }
        Instant from = s.signedUpFrom() == null || s.signedUpFrom().isBefore(span[0]) ? span[0] : s.signedUpFrom();
        Instant to = s.signedUpTo() == null || s.signedUpTo().isAfter(span[1]) ? span[1] : s.signedUpTo();
        if (!from.isBefore(to)) {
            return 0L;
        }
        FunnelView funnel = kpis.funnel(from, to, null, 1);
        String name = s.milestone() != null ? s.milestone() : s.stalled();
        if (name == null) {
            return funnel.cohort();
        }
        FunnelView.Step step = funnel.milestones().stream()
                .filter(m -> m.milestone().equals(name))
                .findFirst()
                .orElse(null);
        if (step == null) {
            return null;
        }
        if (s.state() != null) {
            return switch (s.state()) {
                case REACHED_WITHIN_WINDOW -> step.reachedWithinWindow();
                case IN_PROGRESS -> step.inProgress();
                case DROPPED_OFF -> step.droppedOff();
            };
        }
        return s.stalled() != null ? step.stalled() : s.reached() ? step.reached() : step.notReached();
    }

    /**
     * Writes the segment as CSV to {@code out}, row by row as the cursor reads them. Outside any
     * transaction of the request: its own connection, read-only, for as long as the client reads.
     */
    public void export(Request request, OutputStream out) throws IOException {
        Where where = where(request.segment());
        BufferedWriter text = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 16 * 1024);
        CsvWriter csv = new CsvWriter(text);
        List<String> header = new ArrayList<>(CSV_COLUMNS);
        header.addAll(request.traitColumns());
        csv.row(header);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            // PostgreSQL's driver fetches through a cursor only inside a transaction
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT u.id, u.signed_up_at, u.stage, u.last_event_at, u.traits " + "FROM users u" + where.sql()
                            + " ORDER BY u.id",
                    ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY)) {
                ps.setFetchSize(FETCH);
                where.bind(ps, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    List<String> row = new ArrayList<>(header.size());
                    while (rs.next()) {
                        row.clear();
                        row.add(rs.getString(1));
                        Instant signedUp = Sql.instant(rs, 2);
                        row.add(signedUp == null ? null : signedUp.toString());
                        row.add(rs.getString(3));
                        Instant last = Sql.instant(rs, 4);
                        row.add(last == null ? null : last.toString());
                        if (!request.traitColumns().isEmpty()) {
                            Map<String, Object> traits = Json.readMap(mapper, rs.getString(5));
                            for (String name : request.traitColumns()) {
                                row.add(traitText(traits.get(name)));
                            }
                        }
                        csv.row(row);
                        exportedRows.increment();
                    }
                }
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IOException("segment export failed", e);
        }
        text.flush();
    }

    /** Rows the CSV exports have read and written so far (also the metric {@code milepost_segments_exported_rows}). */
    public double exportedRows() {
        return exportedRows.count();
    }

    private String traitText(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Map || value instanceof List) {
            return Json.write(mapper, value);
        }
        return value.toString();
    }

    /** The WHERE clause of a segment and its parameters, in order. */
    private record Where(String sql, List<Object> parameters) {
        int bind(PreparedStatement ps, int first) throws SQLException {
            int i = first;
            for (Object p : parameters) {
                ps.setObject(i++, p);
            }
            return i;
        }
    }

    private Where where(Segment s) {
        List<String> conditions = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (s.milestone() != null && s.state() != null) {
            state(s, conditions, parameters);
        } else if (s.milestone() != null) {
            conditions.add((s.reached() ? "" : "NOT ")
                    + "EXISTS (SELECT 1 FROM milestones m WHERE m.user_id = u.id AND m.milestone = ?)");
            parameters.add(s.milestone());
        }
        if (s.stalled() != null) {
            conditions.add("EXISTS (SELECT 1 FROM stalls s WHERE s.user_id = u.id AND s.milestone = ?)");
            parameters.add(s.stalled());
        }
        if (s.signedUpFrom() != null) {
            conditions.add("u.signed_up_at >= ?");
            parameters.add(at(s.signedUpFrom()));
        }
        if (s.signedUpTo() != null) {
            conditions.add("u.signed_up_at < ?");
            parameters.add(at(s.signedUpTo()));
        }
        for (Map.Entry<String, String> t : s.traits().entrySet()) {
            // the trait as JSON text: a string value quoted, a number or true/false bare
            conditions.add(traitSql.json("u.traits", t.getKey()) + " IN (?, ?)");
            parameters.add(Json.write(mapper, t.getValue()));
            parameters.add(t.getValue());
        }
        if (s.idPrefix() != null && !s.idPrefix().isEmpty()) {
            conditions.add("u.id LIKE ? ESCAPE '\\'");
            parameters.add(
                    s.idPrefix().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        return new Where(conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions), parameters);
    }

    /**
     * The conditions of a milestone's {@link Segment.State}, as the funnel counts it: its window
     * opens at signup or when its {@code @after} milestone was reached and closes {@code @within}
     * later; a user in progress has it open at {@code asOf}, a user who dropped off reached the
     * milestone before it in the journey and saw the window close without reaching this one.
     */
    private void state(Segment s, List<String> conditions, List<Object> parameters) {
        JourneyKpis.Place place = kpis.place(s.milestone());
        Long within = place.within() == null ? null : place.within().toSeconds();
        Instant opened = within == null ? null : s.asOf().minusSeconds(within);
        String after = place.after();
        switch (s.state()) {
            case REACHED_WITHIN_WINDOW -> {
                if (within == null) {
                    conditions.add(reached("m"));
                    parameters.add(s.milestone());
                } else if (after == null) {
                    conditions.add("EXISTS (SELECT 1 FROM milestones m WHERE m.user_id = u.id AND m.milestone = ? "
                            + "AND m.reached_at <= u.signed_up_at + INTERVAL '" + within + "' SECOND)");
                    parameters.add(s.milestone());
                } else {
                    conditions.add("EXISTS (SELECT 1 FROM milestones m JOIN milestones a ON a.user_id = m.user_id "
                            + "AND a.milestone = ? WHERE m.user_id = u.id AND m.milestone = ? "
                            + "AND m.reached_at <= a.reached_at + INTERVAL '" + within + "' SECOND)");
                    parameters.add(after);
                    parameters.add(s.milestone());
                }
            }
            case IN_PROGRESS, DROPPED_OFF -> {
                boolean open = s.state() == Segment.State.IN_PROGRESS;
                conditions.add("NOT " + reached("m"));
                parameters.add(s.milestone());
                if (within == null) {
                    // no window: in progress once the milestone before it is reached; nobody drops off
                    if (!open) {
                        conditions.add("1 = 0");
                    } else if (place.previous() != null) {
                        conditions.add(reached("p"));
                        parameters.add(place.previous());
                    }
                } else if (after == null) {
                    conditions.add(open ? "u.signed_up_at > ?" : "u.signed_up_at <= ?");
                    parameters.add(at(opened));
                    if (!open && place.previous() != null) {
                        conditions.add(reached("p"));
                        parameters.add(place.previous());
                    }
                } else {
                    // the window opens when the @after milestone (also the one before it) was reached
                    conditions.add(
                            "EXISTS (SELECT 1 FROM milestones a WHERE a.user_id = u.id AND a.milestone = ? AND a.reached_at "
                                    + (open ? ">" : "<=") + " ?)");
                    parameters.add(after);
                    parameters.add(at(opened));
                }
            }
            default -> throw new IllegalStateException(s.state().name());
        }
    }

    /** The user has reached the milestone of the next parameter. */
    private static String reached(String alias) {
        return "EXISTS (SELECT 1 FROM milestones " + alias + " WHERE " + alias + ".user_id = u.id AND " + alias
                + ".milestone = ?)";
    }

    private Set<String> journey() {
        RuleBook book = rules.current();
        Set<String> names = new java.util.LinkedHashSet<>();
        if (book != null) {
            book.milestones().stream().map(MilestoneDefinition::name).forEach(names::add);
        }
        return names;
    }

    private static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        String v = values.get(0);
        return v == null || v.isBlank() ? null : v;
    }

    private static Instant time(Map<String, List<String>> query, String name, List<FieldError> errors) {
        String value = single(query, name);
        if (value == null) {
            return null;
        }
        try {
            return value.length() == 10
                    ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(null, name, "must be a date (2026-01-31) or an ISO-8601 time with offset"));
            return null;
        }
    }
}
