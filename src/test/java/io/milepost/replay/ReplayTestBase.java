package io.milepost.replay;

import io.agroal.api.AgroalDataSource;
import io.milepost.milestone.StallSweep;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

/** What the replay tests share: the job's parts, and a start with the shipped rules and no users. */
abstract class ReplayTestBase {
    @Inject
    ReplayJobs jobs;

    @Inject
    ReplayRunner runner;

    @Inject
    StallSweep sweep;

    @Inject
    AgroalDataSource db;

    ReplayFixture fixture;

    @BeforeEach
    void shippedRulesAndNoUsers() throws Exception {
        fixture = new ReplayFixture(db);
        fixture.empty();
        ReplayRules.useShippedRules();
    }
}
