package io.milepost.store;

import jakarta.persistence.EntityManager;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import org.hibernate.Session;
import org.hibernate.jdbc.Work;

/** What the plain-JDBC paths share: times as UTC offsets, id arrays, work on the transaction's connection. */
public final class Sql {
    private Sql() {
    }

    /** Runs {@code work} on the connection of the current transaction. */
    public static void run(EntityManager em, Work work) {
        em.unwrap(Session.class).doWork(work);
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

    /** Text ids as one array parameter, for {@code = ANY(?)}: one statement whatever their number. */
    public static Array strings(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("VARCHAR", values.toArray());
    }
}
