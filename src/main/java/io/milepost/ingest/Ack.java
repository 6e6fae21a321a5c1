package io.milepost.ingest;

/**
 * The answer to an ingestion call: events newly stored, repeats of a known messageId, and items
 * of types Milepost does not use (page, screen, group, alias), which are acknowledged and dropped.
 */
public record Ack(int accepted, int duplicates, int ignored) {
}
