package io.milepost.replay;

/** The body of {@code POST /v1/replay}; {@code fireActions} is false when absent. */
public record ReplayRequest(Boolean fireActions) {}
