package io.milepost.ingest;

/** The answer to an ingestion call: calls newly stored, and repeats of a known messageId (acknowledged, not counted). */
public record Ack(int accepted, int duplicates) {}
