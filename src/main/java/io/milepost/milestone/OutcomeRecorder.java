package io.milepost.milestone;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.common.Json;
import io.milepost.config.MilepostConfig;
import io.milepost.engine.Outcomes;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.engine.Windows;
import io.milepost.outbox.Outbox;
import io.milepost.store.RowWriter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * Records what an evaluation produced — milestones, actions, failures — and stalls, with their
 * outbox messages (none for a silent replay), in the caller's transaction, through the {@link RowWriter}
 * (written when the caller flushes it). The unique keys on (user, milestone) and (user, action,
 * occurrence) back the engine's once-only checks.
 */
@ApplicationScoped
public class OutcomeRecorder {
    private final RowWriter rows;
    private final ObjectMapper mapper;
    private final Outbox outbox;
    private final MeterRegistry metrics;
    private final Duration maxAge;

    /** Whether recorded outcomes are also sent out. */
    public enum Sending {
        /** Each outcome gets its outbox message (webhooks), as in live processing. */
        LIVE,
        /**
         * Recorded only: no outbox message, and actions are marked suppressed, so they still count as
         * fired for "once per user" but are never delivered (a replay without {@code fireActions}).
         */
        SILENT
    }

    /** Why an action was not sent: a replay without {@code fireActions} recorded it. */
    public static final String SILENT_REPLAY = "silent_replay";
    /** Why an action was not sent: its triggering fact was older than {@code milepost.actions.max-age}. */
    public static final String STALE = "stale";

    public OutcomeRecorder(
            RowWriter rows, ObjectMapper mapper, Outbox outbox, MeterRegistry metrics, MilepostConfig config) {
        this.maxAge = config.actions().maxAge();
        this.rows = rows;
        this.mapper = mapper;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    /** Records the outcomes for one user, with their outbox messages; returns the user's stage after them. */
    public String record(RuleBook book, UserState user, String previousStage, Outcomes outcomes, Instant now) {
        return record(book, user, previousStage, outcomes, now, Sending.LIVE);
    }

    /**
     * Records the outcomes for one user (stalls, milestones, actions, failures), delivered or not;
     * returns the user's stage after them. An action is sent only while it is current: one the engine
     * found answering a resolved stall, or whose triggering fact is older than {@code
     * milepost.actions.max-age}, or that a silent replay fired, is recorded as suppressed, with the
     * reason, and sent nowhere.
     */
    public String record(
            RuleBook book, UserState user, String previousStage, Outcomes outcomes, Instant now, Sending sending) {
        boolean live = sending == Sending.LIVE;
        String version = book == null ? "none" : book.version();
        String stage = book == null ? previousStage : Windows.stage(book, user);
        if (!outcomes.milestones.isEmpty() || !outcomes.actions.isEmpty() || !outcomes.stalls.isEmpty()) {
            rows.kpiDay(user.signedUpAt());
        }
        for (Outcomes.Stall s : outcomes.stalls) {
            rows.stall(user.id(), s.milestone(), s.since(), version, now);
            if (live) {
                outbox.milestoneStalled(user, stage, s.milestone(), s.since(), now);
            }
            metrics.counter("milepost.stalls.recorded", "milestone", s.milestone())
                    .increment();
        }
        for (Outcomes.MilestoneReached m : outcomes.milestones) {
            rows.milestone(user.id(), m.milestone(), m.at(), m.rule(), version, now);
            if (live) {
                outbox.milestoneReached(user, stage, m.milestone(), m.at(), now);
            }
            metrics.counter("milepost.milestones.reached", "milestone", m.milestone())
                    .increment();
        }
        for (Outcomes.ActionTriggered a : outcomes.actions) {
            String suppressed = suppression(a, now, sending);
            rows.action(
                    user.id(),
                    a.action(),
                    a.occurrence(),
                    a.at(),
                    a.rule(),
                    payloadJson(a),
                    suppressed,
                    a.heldOut(),
                    version,
                    now);
            // a held-out user is the control group: the action is on record, and nothing is sent
            if (suppressed == null && !a.heldOut()) {
                outbox.actionTriggered(user, stage, a.action(), a.payload(), a.at(), now);
            }
            if (suppressed != null) {
                metrics.counter("milepost.actions.suppressed", "action", a.action(), "reason", suppressed)
                        .increment();
            } else {
                metrics.counter(
                                a.heldOut() ? "milepost.actions.held_out" : "milepost.actions.triggered",
                                "action",
                                a.action())
                        .increment();
            }
        }
        for (Outcomes.Failure f : outcomes.failures) {
            rows.failure(user.id(), f.at(), f.rule(), f.message(), version, now);
            metrics.counter("milepost.rule.failures", "rule", f.rule() == null ? "unknown" : f.rule())
                    .increment();
        }
        return stage;
    }

    /** Why the action will not be sent, or null: it is current and sent (unless held out). */
    public String suppression(Outcomes.ActionTriggered a, Instant now, Sending sending) {
        if (a.suppressed() != null) {
            return a.suppressed();
        }
        if (sending == Sending.SILENT) {
            return SILENT_REPLAY;
        }
        return a.at().isBefore(now.minus(maxAge)) ? STALE : null;
    }

    private String payloadJson(Outcomes.ActionTriggered a) {
        try {
            return Json.write(mapper, a.payload());
        } catch (IllegalArgumentException e) {
            // A rule put something into the payload that is not JSON: keep its text rather than lose the action.
            return Json.write(mapper, java.util.Map.of("value", String.valueOf(a.payload())));
        }
    }
}
