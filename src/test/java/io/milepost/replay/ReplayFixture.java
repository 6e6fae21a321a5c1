package io.milepost.replay;

import static io.milepost.support.Api.batch;
import static io.milepost.support.Api.signup;
import static io.milepost.support.Api.track;
import static io.milepost.support.Api.writer;

import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Users with known histories, and the database as the replay tests look at it. */
final class ReplayFixture {
    static final Instant SIGNUP = Instant.parse("2026-03-02T09:00:00Z");
    /** When a power user's tenth search happens: the time power_search must get. */
    static final Instant TENTH_SEARCH = SIGNUP.plus(Duration.ofHours(1)).plusSeconds(9 * 60);

    private static final List<String> TABLES =
            List.of("jobs", "outbox", "evaluation_failures", "actions", "stalls", "milestones", "events", "users");

    private final AgroalDataSource db;

    ReplayFixture(AgroalDataSource db) {
        this.db = db;
    }

    /** Every test starts from an empty database: a replay goes through every user there is. */
    void empty() throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            for (String table : TABLES) {
                s.executeUpdate("DELETE FROM " + table);
            }
        }
    }

    /** Signed up at SIGNUP; ten searches a minute apart from an hour later, then a list: first value, and power search. */
    static void powerUser(String u) {
        signup(u, SIGNUP);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(track(
                    u,
                    "search_performed",
                    SIGNUP.plus(Duration.ofHours(1)).plusSeconds(i * 60L).toString()));
        }
        items.add(track(u, "list_created", SIGNUP.plus(Duration.ofHours(2)).toString()));
        writer().body(batch(items.toArray(String[]::new)))
                .post("/v1/batch")
                .then()
                .statusCode(200);
    }

    /** Signed up at SIGNUP; three searches: interest, never power search. */
    static void casualUser(String u) {
        signup(u, SIGNUP);
        writer().body(batch(
                        track(
                                u,
                                "search_performed",
                                SIGNUP.plus(Duration.ofHours(1)).toString()),
                        track(
                                u,
                                "search_performed",
                                SIGNUP.plus(Duration.ofHours(2)).toString()),
                        track(
                                u,
                                "search_performed",
                                SIGNUP.plus(Duration.ofHours(3)).toString())))
                .post("/v1/batch")
                .then()
                .statusCode(200);
    }

    long count(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    void update(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** Rows of the tables a replay writes to: milestones, stalls, actions, outbox. */
    List<Long> recordCounts() throws SQLException {
        List<Long> counts = new ArrayList<>();
        for (String table : List.of("milestones", "stalls", "actions", "outbox")) {
            counts.add(count("SELECT COUNT(*) FROM " + table));
        }
        return counts;
    }
}
