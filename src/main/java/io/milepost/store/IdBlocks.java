package io.milepost.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Hands out ids from a database sequence that counts up in blocks (INCREMENT BY {@code size}):
 * one sequence call per block, so plain JDBC batches need no round trip per row. Each value the
 * sequence returns opens the block [value, value + size); several instances get distinct blocks.
 */
public final class IdBlocks {
    private final String sequence;
    private final int size;
    private long next;
    private long end;

    public IdBlocks(String sequence, int size) {
        this.sequence = sequence;
        this.size = size;
    }

    /** The next id; reads a new block from the sequence on {@code connection} when the last one is used up. */
    public synchronized long next(Connection connection) throws SQLException {
        if (next >= end) {
            String product = connection.getMetaData().getDatabaseProductName();
            String sql = product.startsWith("PostgreSQL")
                    ? "SELECT nextval('" + sequence + "')"
                    : "SELECT NEXT VALUE FOR " + sequence;
            try (Statement s = connection.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                next = rs.getLong(1);
                end = next + size;
            }
        }
        return next++;
    }
}
