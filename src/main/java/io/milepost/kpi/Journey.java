package io.milepost.kpi;

import io.milepost.engine.MilestoneDefinition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The milestone catalog as the KPIs read it: for each milestone, the one before it in the journey
 * ({@code previous}: its {@code @after}, else the one before it in {@code @order}) and the one its
 * window and time to reach count from ({@code after}: its {@code @after}, else signup).
 */
record Journey(List<Step> steps) {

    /**
     * @param previous index of the previous milestone, or null for the first
     * @param after    index of the {@code @after} milestone, or null when measured from signup
     */
    record Step(int index, MilestoneDefinition milestone, Integer previous, Integer after) {
        String name() {
            return milestone.name();
        }

        Duration within() {
            return milestone.within();
        }

        String measuredFrom() {
            return milestone.after() == null ? "signup" : milestone.after();
        }
    }

    static Journey of(List<MilestoneDefinition> catalog) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < catalog.size(); i++) {
            MilestoneDefinition m = catalog.get(i);
            Integer after = m.after() == null ? null : indexOf(catalog, m.after());
            Integer previous = m.after() != null ? after : i == 0 ? null : i - 1;
            steps.add(new Step(i, m, previous, after));
        }
        return new Journey(List.copyOf(steps));
    }

    private static Integer indexOf(List<MilestoneDefinition> catalog, String name) {
        for (int i = 0; i < catalog.size(); i++) {
            if (catalog.get(i).name().equals(name)) {
                return i;
            }
        }
        // an @after outside the catalog cannot be checked by the KPIs: the rule compiler refuses it
        throw new IllegalStateException("@after milestone not in the catalog: " + name);
    }

    Optional<Step> step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    List<String> names() {
        return steps.stream().map(Step::name).toList();
    }

    int size() {
        return steps.size();
    }

    /**
     * What the figures kept per signup day depend on (each milestone's name, place, window and
     * {@code @after}), as a SHA-256 in hex: figures counted under another catalog are not read.
     */
    String fingerprint() {
        StringBuilder text = new StringBuilder();
        for (Step s : steps) {
            text.append(s.name())
                    .append('\u0000')
                    .append(s.previous())
                    .append('\u0000')
                    .append(s.after())
                    .append('\u0000')
                    .append(s.within() == null ? "" : s.within().toSeconds())
                    .append('\n');
        }
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
