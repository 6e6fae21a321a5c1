package io.milepost.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The history keeps the latest attempts only, newest first. */
class RuleLoadHistoryTest {

    @Test
    void shouldKeepTheLatestFiftyAttemptsNewestFirst() {
        RuleLoadHistory history = new RuleLoadHistory();
        Instant start = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < 60; i++) {
            history.record(
                    RuleLoadHistory.Trigger.FILE_CHANGE,
                    start.plusSeconds(i),
                    Map.of("a.drl", "rule " + i),
                    null,
                    List.of(new RuleProblem("a.drl", i, 1, "broken " + i)),
                    null,
                    FileChanges.NONE);
        }
        List<RuleLoadHistory.Entry> all = history.latest(100);
        assertEquals(RuleLoadHistory.KEPT, all.size());
        assertEquals(start.plusSeconds(59), all.get(0).at());
        assertEquals(start.plusSeconds(10), all.get(all.size() - 1).at());
        assertEquals("broken 59", all.get(0).errors().get(0).message());
        assertEquals(3, history.latest(3).size());
        assertEquals(List.of("a.drl"), all.get(0).files());
        assertEquals("refused", all.get(0).outcome());
    }
}
