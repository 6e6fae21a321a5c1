package io.milepost.store;

import jakarta.persistence.EntityManager;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.IntFunction;
import org.hibernate.Session;
import org.hibernate.jdbc.Work;

/** What the plain-JDBC paths share: times as UTC offsets, id arrays, work on the transaction's connection. */
public final class Sql {
    private Sql() {}

    /** Runs {@code work} on the connection of the current transaction. */
    public static void run(EntityManager em, Work work) {
        em.unwrap(Session.class).doWork(work);
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads the current row of a result into a record. */
    @FunctionalInterface
    public interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** The rows of one query on the current transaction's connection, each read by {@code map}. */
    public static <T> List<T> list(EntityManager em, String sql, Binder binder, Mapper<T> map) {
        List<T> rows = new ArrayList<>();
        run(em, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(map.map(rs));
                    }
                }
            }
        });
        return rows;
    }

    /** A time as both drivers bind it to {@code TIMESTAMP WITH TIME ZONE}; null stays null. */
    public static OffsetDateTime at(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    /** A {@code TIMESTAMP WITH TIME ZONE} column as an instant; null stays null. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * PostgreSQL: index scans only, for the rest of the current transaction. For queue queries (the
     * oldest rows of a partial index up to a limit) and look-ups by key, where the planner, trusting
     * statistics that call a queue table nearly empty, would read the whole index into a bitmap
     * before the limit applies, or scan the table into a join; with a backlog each batch then costs
     * as much as the backlog. Call it only in transactions whose every statement is such a look-up.
     */
    public static void indexScansOnly(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)");
        }
    }

    /**
     * One column of {@code n} rows as an array parameter (PostgreSQL's {@code unnest(?::type[], ...)}),
     * the value of row {@code i} given by {@code value}.
     */
    public static Array column(Connection c, String type, int n, IntFunction<Object> value) throws SQLException {
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            values[i] = value.apply(i);
        }
        return c.createArrayOf(type, values);
    }

    /** Text ids as one array parameter, for {@code = ANY(?)}: one statement whatever their number. */
    public static Array strings(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("VARCHAR", values.toArray());
    }
}
