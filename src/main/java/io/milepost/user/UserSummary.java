package io.milepost.user;

import java.time.Instant;
import java.util.List;

/** One user in a segment listing. */
public record UserSummary(String userId, Instant signedUpAt, String stage, Instant lastEventAt) {

    /** A page of users; pass {@code nextCursor} back as {@code cursor} for the next page (null at the end). */
    public record Page(List<UserSummary> users, String nextCursor) {
    }
}
