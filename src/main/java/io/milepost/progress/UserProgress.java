package io.milepost.progress;

import io.milepost.engine.RuleBook;
import io.milepost.engine.UserState;
import io.milepost.identity.Aliases;
import io.milepost.rules.RuleLoadHistory;
import io.milepost.rules.RuleSet;
import io.milepost.store.AccountStore;
import io.milepost.store.UserStateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.Optional;

/** A user's progress toward the milestones, read from their stored state with the rules in force. */
@ApplicationScoped
public class UserProgress {
    private final UserStateStore store;
    private final RuleSet rules;
    private final RuleLoadHistory loads;
    private final Clock clock;
    private final Aliases aliases;
    private final AccountStore accounts;
    private final ProgressEvaluator evaluator = new ProgressEvaluator();

    public UserProgress(
            UserStateStore store,
            RuleSet rules,
            RuleLoadHistory loads,
            Clock clock,
            Aliases aliases,
            AccountStore accounts) {
        this.store = store;
        this.aliases = aliases;
        this.accounts = accounts;
        this.rules = rules;
        this.loads = loads;
        this.clock = clock;
    }

    /**
     * The user's progress now, or empty for an unknown user. Reads only: the user's state is loaded
     * as ingestion loads it, under a share lock, so milestones, stalls and activity are of one
     * moment; nothing is written.
     */
    @Transactional
    public Optional<ProgressView> of(String requested) {
        String id = aliases.resolve(requested); // an id merged into another user: that user
        UserState state = store.read(id).orElse(null);
        if (state == null) {
            return Optional.empty();
        }
        state.accounts().putAll(accounts.of(id));
        RuleBook book = rules.current();
        return Optional.of(
                evaluator.evaluate(book, book == null ? null : loads.textsOf(book.version()), state, clock.instant()));
    }
}
