package io.milepost.http;

import java.util.HashSet;
import java.util.Set;

/**
 * The ingestion paths, for the filters that treat them apart (write keys, body limits, CORS). Besides
 * Segment's named paths, the one-letter ones its browser library posts to ({@code /v1/t} for track,
 * {@code /v1/p} for page, ...; {@code /v1/b} for a batch).
 */
public final class IngestPaths {
    /** Paths that take one call. */
    public static final Set<String> SINGLE = Set.of(
            "/v1/track",
            "/v1/identify",
            "/v1/page",
            "/v1/screen",
            "/v1/group",
            "/v1/alias",
            "/v1/t",
            "/v1/i",
            "/v1/p",
            "/v1/s",
            "/v1/g",
            "/v1/a");
    /** Paths that take a batch. */
    public static final Set<String> BATCH = Set.of("/v1/batch", "/v1/import", "/v1/import/", "/v1/b");
    /** Every ingestion path. */
    public static final Set<String> ALL = union(SINGLE, BATCH);

    private IngestPaths() {}

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
