package io.milepost.target;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Decides a target's status from its cohorts. Only cohorts that signed up before the end of the
 * deadline day count, and of those only the complete ones that have users (a cohort is complete
 * when the milestone's window has closed for every user in it, or when it has ended, for a
 * milestone without a window):
 * <ol>
 *   <li>{@code met}: the latest complete cohort reached the share.</li>
 *   <li>{@code missed}: it did not, and the deadline day is over.</li>
 *   <li>Before the deadline, a projection: the least-squares line through the shares of the last
 *       {@value #TREND} complete cohorts (at least two), read at the cohort that contains the
 *       deadline day. {@code on_track} when it reaches the share, else {@code at_risk}.</li>
 *   <li>With one complete cohort below the share (no trend yet) {@code at_risk}; with none yet
 *       {@code on_track} (nothing says otherwise), saying so in the explanation.</li>
 * </ol>
 */
final class TargetJudge {
    static final int TREND = 6;
    static final String MET = "met";
    static final String ON_TRACK = "on_track";
    static final String AT_RISK = "at_risk";
    static final String MISSED = "missed";

    private TargetJudge() {}

    record Verdict(String status, String explanation, TargetView.Cohort current, TargetView.Projection projection) {}

    /**
     * @param cohorts            oldest first, all starting before the end of the deadline day
     * @param deadlineEnd        the end of the deadline day (00:00 UTC the day after)
     * @param deadlineCohortStart the start of the cohort that contains the deadline day
     * @param period             "weekly" or "monthly", for the explanation
     */
    static Verdict judge(
            double target,
            List<TargetView.Cohort> cohorts,
            Instant deadlineEnd,
            Instant deadlineCohortStart,
            Instant now,
            String period) {
        List<TargetView.Cohort> complete =
                cohorts.stream().filter(c -> c.complete() && c.size() > 0).toList();
        TargetView.Cohort current = complete.isEmpty()
                ? (cohorts.isEmpty() ? null : cohorts.get(cohorts.size() - 1))
                : complete.get(complete.size() - 1);
        List<TargetView.Cohort> recent = complete.subList(Math.max(0, complete.size() - TREND), complete.size());
        TargetView.Projection projection = project(recent, deadlineCohortStart);
        String goal = percent(target);
        if (complete.isEmpty()) {
            return new Verdict(
                    now.isBefore(deadlineEnd) ? ON_TRACK : MISSED,
                    "no complete " + period
                            + " cohort with users yet"
                            + (now.isBefore(deadlineEnd)
                                    ? ": nothing says it is off track (target " + goal + ")"
                                    : " by the deadline (target " + goal + ")"),
                    current,
                    projection);
        }
        String shares = "the last "
                + (recent.size() == 1
                        ? "complete " + period + " cohort"
                        : recent.size() + " complete " + period + " cohorts")
                + " reached " + recent.stream().map(c -> percent(c.share())).collect(Collectors.joining(", "))
                + " (target " + goal + ")";
        if (current.share() >= target) {
            return new Verdict(MET, shares + ": the latest cohort meets the target", current, projection);
        }
        if (!now.isBefore(deadlineEnd)) {
            return new Verdict(
                    MISSED,
                    shares + ": the deadline has passed and the latest complete cohort is below the target",
                    current,
                    projection);
        }
        if (projection == null) {
            return new Verdict(
                    AT_RISK, shares + ": below the target, and too few complete cohorts for a trend", current, null);
        }
        boolean onTrack = projection.share() >= target;
        return new Verdict(
                onTrack ? ON_TRACK : AT_RISK,
                shares + "; their trend projects " + percent(projection.share())
                        + " for the cohort of " + projection.at().toString().substring(0, 10)
                        + (onTrack ? ", which meets the target" : ", below the target"),
                current,
                projection);
    }

    /** The least-squares line through (start, share) of the cohorts, read at {@code at}; null with fewer than two. */
    static TargetView.Projection project(List<TargetView.Cohort> cohorts, Instant at) {
        if (cohorts.size() < 2) {
            return null;
        }
        List<double[]> points = new ArrayList<>();
        for (TargetView.Cohort c : cohorts) {
            points.add(new double[] {c.start().getEpochSecond() / 86_400.0, c.share()});
        }
        double n = points.size();
        double mx = points.stream().mapToDouble(p -> p[0]).sum() / n;
        double my = points.stream().mapToDouble(p -> p[1]).sum() / n;
        double sxy = points.stream().mapToDouble(p -> (p[0] - mx) * (p[1] - my)).sum();
        double sxx = points.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double value = my + slope * (at.getEpochSecond() / 86_400.0 - mx);
        double share = Math.round(10_000.0 * Math.max(0, Math.min(1, value))) / 10_000.0;
        return new TargetView.Projection(share, at, "linear trend of the last " + cohorts.size() + " complete cohorts");
    }

    static String percent(double share) {
        double p = share * 100;
        return (p == Math.rint(p) ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.1f", p))
                + "%";
    }
}
