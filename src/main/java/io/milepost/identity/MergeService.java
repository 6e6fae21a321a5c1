package io.milepost.identity;

import io.milepost.common.ApiException;
import io.milepost.engine.RuleBook;
import io.milepost.engine.Windows;
import io.milepost.rules.RuleSet;
import io.milepost.store.Conflicts;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code POST /v1/users/{id}/merge}: an administrator merges any user into another, identified or
 * not, in one transaction with both users' rows locked in id order (as ingestion locks them), so a
 * merge and the users' own events never interleave. Merging an id already merged into the user
 * changes nothing and answers as the first merge did.
 */
@ApplicationScoped
public class MergeService {
    private static final int ATTEMPTS = 5;

    private final UserStateStore store;
    private final Aliases aliases;
    private final UserMerge merge;
    private final RowWriter rows;
    private final RuleSet rules;
    private final Clock clock;

    public MergeService(
            UserStateStore store, Aliases aliases, UserMerge merge, RowWriter rows, RuleSet rules, Clock clock) {
        this.store = store;
        this.aliases = aliases;
        this.merge = merge;
        this.rows = rows;
        this.rules = rules;
        this.clock = clock;
    }

    /** Merges {@code from} into {@code into} (each may be an id merged earlier); returns the surviving user's id. */
    public String merge(String into, String from) {
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> mergeOnce(into, from));
            } catch (RuntimeException e) {
                if (!Conflicts.isConflict(e)) {
                    throw e;
                }
                if (attempt >= ATTEMPTS) {
                    throw new ApiException(
                            503,
                            "busy",
                            "too many concurrent writes for these users; nothing was "
                                    + "merged, send the request again",
                            List.of());
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5, 20 * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private String mergeOnce(String intoId, String fromId) {
        Instant now = clock.instant();
        Map<String, String> moved = aliases.targets(List.of(intoId, fromId));
        String into = moved.getOrDefault(intoId, intoId);
        String from = moved.getOrDefault(fromId, fromId);
        Map<String, UserStateStore.Loaded> users = store.lockAndLoad(List.of(into, from));
        if (!aliases.targets(List.of(intoId, fromId)).equals(moved)) {
            throw new Conflicts.Rerouted();
        }
        if (!users.get(into).exists()) {
            throw ApiException.notFound("no user " + intoId);
        }
        if (!users.get(from).exists()) {
            throw new ApiException(
                    404,
                    "not_found",
                    "no user " + fromId + " (from)",
                    List.of(new io.milepost.common.FieldError(null, "from", "no such user")));
        }
        if (from.equals(into)) {
            return into; // one user already
        }
        RuleBook book = rules.current();
        UserStateStore.Loaded survivor = users.get(into);
        merge.merge(book, users.get(from), survivor, "admin", now);
        String stage = book == null ? survivor.stage() : Windows.stage(book, survivor.state());
        store.saveUser(survivor, stage, Windows.nextCheck(book, survivor.state(), now), now);
        rows.flush();
        return into;
    }
}
