package io.milepost.kpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parsed kept rows held per day: read as stored, found only under the recount that wrote them, bounded. */
class KeptRowsTest {

    @Test
    void shouldParseTheStoredHistogramsAndCountWhoIsStillInsideAnAfterWindow() {
        KeptRows.Row row = KeptRows.Row.parse(
                "v", "first_value", 10, 4, 6, 4, 3, 2, "5:1;700:2;701:1", "0,1,3", "100:2;103:1;110:4");
        assertArrayEquals(new int[] {5, 700, 701}, row.timeBuckets());
        assertArrayEquals(new long[] {1, 2, 1}, row.timeCounts());
        assertArrayEquals(new long[] {0, 1, 3}, row.readable());
        // reached the @after milestone after the given hour
        assertEquals(7, row.openAfter(99));
        assertEquals(5, row.openAfter(100));
        assertEquals(4, row.openAfter(105));
        assertEquals(0, row.openAfter(110));
        KeptRows.Row users = KeptRows.Row.parse(null, "", 10, 0, 0, 0, 0, 0, null, null, null);
        assertEquals(0, users.openAfter(0));
        assertEquals(0, users.timeBuckets().length);
    }

    @Test
    void shouldHoldADayOnlyUnderTheRecountThatWroteIt() {
        KeptRows kept = new KeptRows();
        List<KeptRows.Row> rows = List.of(KeptRows.Row.parse(null, "", 3, 0, 0, 0, 0, 0, null, null, null));
        kept.put("f", "", 20_000, 7, rows);
        assertNotNull(kept.get("f", "", 20_000, 7));
        assertNull(kept.get("f", "", 20_000, 8), "recounted since: read again");
        assertNull(kept.get("f", "plan", 20_000, 7), "another trait");
        assertNull(kept.get("g", "", 20_000, 7), "another catalog");
        kept.put("f", "", 20_000, 8, rows);
        assertNull(kept.get("f", "", 20_000, 7), "the earlier recount's rows are gone");
        assertNotNull(kept.get("f", "", 20_000, 8));
    }

    @Test
    void shouldDropTheLeastRecentlyUsedDaysBeyondItsBound() {
        KeptRows kept = new KeptRows();
        int size = (int) (KeptRows.MAX_BYTES / 12 / 3);
        // one big row, shared by every day: about a third of the bound each
        KeptRows.Row big = new KeptRows.Row(
                null,
                "interest",
                1,
                1,
                1,
                1,
                1,
                0,
                new int[size],
                new long[size],
                new long[0],
                new int[0],
                new long[0]);
        for (long day = 0; day < 10; day++) {
            kept.put("f", "", day, 1, List.of(big));
            assertNotNull(kept.get("f", "", 0, 1), "day 0 is used after every put, so it stays");
        }
        assertTrue(kept.bytes() <= KeptRows.MAX_BYTES, kept.bytes() + " bytes");
        assertNull(kept.get("f", "", 1, 1), "day 1 was the least recently used");
        assertNotNull(kept.get("f", "", 9, 1));
    }
}
