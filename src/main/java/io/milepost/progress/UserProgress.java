package io.milepost.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.milepost.common.Json;
import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.identity.Aliases;
import io.milepost.rules.RuleLoadHistory;
import io.milepost.rules.RuleSet;
import io.milepost.store.AccountStore;
import io.milepost.store.MilestoneEntity;
import io.milepost.store.StallEntity;
import io.milepost.store.UserEntity;
import io.milepost.store.UserStateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.Optional;

/** A user's progress toward the milestones, read from their stored state with the rules in force. */
@ApplicationScoped
public class UserProgress {
    private final EntityManager em;
    private final ObjectMapper mapper;
    private final RuleSet rules;
    private final RuleLoadHistory loads;
    private final Clock clock;
    private final Aliases aliases;
    private final AccountStore accounts;
    private final ProgressEvaluator evaluator = new ProgressEvaluator();

    public UserProgress(
            EntityManager em,
            ObjectMapper mapper,
            RuleSet rules,
            RuleLoadHistory loads,
            Clock clock,
            Aliases aliases,
            AccountStore accounts) {
        this.em = em;
        this.aliases = aliases;
        this.accounts = accounts;
        this.mapper = mapper;
        this.rules = rules;
        this.loads = loads;
        this.clock = clock;
    }

    /**
     * The user's progress now, or empty for an unknown user. Reads only: the user's row is read
     * under a share lock (as {@code GET /v1/users/{id}}), so milestones, stalls and activity are of
     * one moment, and nothing is written.
     */
    @Transactional
    public Optional<ProgressView> of(String requested) {
        String id = aliases.resolve(requested); // an id merged into another user: that user
        UserEntity u = em.find(UserEntity.class, id, LockModeType.PESSIMISTIC_READ);
        if (u == null) {
            return Optional.empty();
        }
        UserState state = new UserState(
                u.id, true, Json.readMap(mapper, u.traits), u.signedUpAt, u.signupFromTrait, u.lastEventAt);
        UserStateStore.activity(u).forEach((name, h) -> state.history(name).absorb(h));
        state.accounts().putAll(accounts.of(id));
        em.createQuery("from MilestoneEntity m where m.userId = :id", MilestoneEntity.class)
                .setParameter("id", id)
                .getResultStream()
                .forEach(m -> state.milestones()
                        .put(m.milestone, new UserState.Reached(m.milestone, m.reachedAt, m.ruleName)));
        em.createQuery("from StallEntity s where s.userId = :id", StallEntity.class)
                .setParameter("id", id)
                .getResultStream()
                .forEach(s -> state.stalls().put(s.milestone, s.since));
        RuleBook book = rules.current();
        return Optional.of(
                evaluator.evaluate(book, book == null ? null : loads.textsOf(book.version()), state, clock.instant()));
    }
}
