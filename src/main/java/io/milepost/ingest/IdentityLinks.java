package io.milepost.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.milepost.engine.RuleBook;
import io.milepost.identity.Aliases;
import io.milepost.identity.UserMerge;
import io.milepost.store.Conflicts;
import io.milepost.store.RowWriter;
import io.milepost.store.UserStateStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Who a request's calls are about, and the merges they ask for. A call is about its {@code userId}
 * (else its {@code anonymousId}), or the user that id was merged into. A call that carries both ids,
 * and an {@code alias}, link the other id to the {@code userId}: if that id was never identified
 * (only ever seen as an {@code anonymousId}), it is merged into the user; an identified id is never
 * merged by ingestion (a write key may be public), and an id already merged into another user is not
 * merged again. Both are logged and counted ({@code milepost_identity_refused_total}).
 *
 * <p>Concurrency: the ids are resolved before the users' rows are locked, and resolved again once
 * they are; if a concurrent merge changed an answer in between, the request runs again ({@link
 * Conflicts.Rerouted} counts as a conflict), so no call lands on a user that was merged away.
 */
@ApplicationScoped
public class IdentityLinks {
    private static final Logger LOG = Logger.getLogger(IdentityLinks.class);

    private final Aliases aliases;
    private final UserMerge merge;
    private final RowWriter rows;
    private final MeterRegistry metrics;

    public IdentityLinks(Aliases aliases, UserMerge merge, RowWriter rows, MeterRegistry metrics) {
        this.aliases = aliases;
        this.merge = merge;
        this.rows = rows;
        this.metrics = metrics;
    }

    /** The request's ids as the aliases stood when they were read. */
    public final class Resolved {
        private final Set<String> named;
        private final Map<String, String> merged;

        private Resolved(Set<String> named, Map<String, String> merged) {
            this.named = named;
            this.merged = merged;
        }

        /** The user an id stands for. */
        String user(String id) {
            return merged.getOrDefault(id, id);
        }

        /** The user a call is about (before this request's own merges). */
        String target(IncomingMessage m) {
            return user(m.id());
        }

        /** The users to lock for these calls: each one's target and the user its linked id stands for. */
        Set<String> users(List<IncomingMessage> messages) {
            Set<String> ids = new TreeSet<>();
            for (IncomingMessage m : messages) {
                ids.add(target(m));
                if (m.linkedId() != null) {
                    ids.add(user(m.linkedId()));
                }
            }
            return ids;
        }

        /** Of {@link #users}, those no call names by its {@code userId}: created as anonymous users. */
        Set<String> anonymous(List<IncomingMessage> messages) {
            Set<String> ids = users(messages);
            for (IncomingMessage m : messages) {
                if (m.userId() != null) {
                    ids.remove(target(m));
                }
            }
            return ids;
        }

        /** Throws {@link Conflicts.Rerouted} if an id was merged since it was read. */
        void requireUnchanged() {
            if (!aliases.targets(named).equals(merged)) {
                throw new Conflicts.Rerouted();
            }
        }
    }

    /** Reads which of the calls' ids were merged into other users. */
    public Resolved resolve(List<IncomingMessage> messages) {
        Set<String> named = new HashSet<>();
        for (IncomingMessage m : messages) {
            named.add(m.id());
            if (m.linkedId() != null) {
                named.add(m.linkedId());
            }
        }
        return new Resolved(named, aliases.targets(named));
    }

    /**
     * Marks the users named by a {@code userId} as identified and carries out the merges the calls ask
     * for, in their order, with every user involved locked and loaded in {@code users}. Returns the
     * ids merged by this request, each with the user it was merged into: calls under them are that
     * user's.
     */
    public Map<String, String> link(
            RuleBook book,
            List<IncomingMessage> calls,
            Map<String, UserStateStore.Loaded> users,
            Resolved resolved,
            Instant now) {
        Set<String> named = new HashSet<>();
        for (IncomingMessage m : calls) {
            if (m.userId() != null) {
                String user = resolved.target(m);
                named.add(user);
                UserStateStore.Loaded loaded = users.get(user);
                if (!loaded.state().identified()) {
                    loaded.state().identified(true);
                    rows.identified(user);
                }
            }
        }
        Map<String, String> mergedNow = new HashMap<>();
        for (IncomingMessage m : calls) {
            String linked = m.linkedId();
            if (linked == null) {
                continue;
            }
            String into = resolved.target(m);
            String from = resolved.user(linked);
            if (from.equals(into) || into.equals(mergedNow.get(from))) {
                continue; // merged before
            }
            if (!from.equals(linked) || mergedNow.containsKey(from)) {
                refuse(
                        "merged_elsewhere",
                        "an id already merged into another user came with a different userId; " + "not merged again",
                        linked,
                        into);
                continue;
            }
            UserStateStore.Loaded source = users.get(from);
            if (named.contains(from) || source.state().identified()) {
                refuse(
                        "identified",
                        "a call linked an identified user to another userId; identified users are "
                                + "merged only with the admin key (POST /v1/users/{id}/merge)",
                        linked,
                        into);
                continue;
            }
            merge.merge(book, source, users.get(into), m.type().wire(), now);
            mergedNow.put(from, into);
        }
        return mergedNow;
    }

    private void refuse(String reason, String message, String from, String into) {
        metrics.counter("milepost.identity.refused", "reason", reason).increment();
        LOG.info(message); // no user ids above DEBUG: they would outlive an erasure
        LOG.debugf("not merged (%s): %s into %s", reason, from, into);
    }
}
