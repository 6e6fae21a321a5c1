package io.milepost.webhook;

import io.milepost.outbox.Outbox;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** A registered receiver of webhook messages, with its filters and signing secrets. */
@Entity
@Table(name = "webhook_endpoints")
public class WebhookEndpoint {
    @Id
    public String id;

    @Column(nullable = false)
    public String url;

    public String description;
    /** Comma-separated message types; null for all. */
    public String types;
    /** Comma-separated action names that {@code action.triggered} messages are limited to; null for all. */
    public String actions;

    @Column(nullable = false)
    public String secret;

    @Column(name = "previous_secret")
    public String previousSecret;

    @Column(name = "previous_secret_until")
    public Instant previousSecretUntil;

    @Column(nullable = false)
    public boolean enabled;

    @Column(name = "disabled_reason")
    public String disabledReason;
    /** Since when every attempt has failed; null while the last attempt succeeded. */
    @Column(name = "failing_since")
    public Instant failingSince;

    @Column(name = "last_error_at")
    public Instant lastErrorAt;

    @Column(name = "last_error_status")
    public Integer lastErrorStatus;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Which messages go to this endpoint, read once from the stored filters (a fan-out asks per message). */
    public Filter filter() {
        return new Filter(
                types == null ? null : Set.copyOf(split(types)), actions == null ? null : Set.copyOf(split(actions)));
    }

    /** An endpoint's filters: message types, and the actions {@code action.triggered} messages are limited to; null for all. */
    public record Filter(Set<String> types, Set<String> actions) {
        /** Whether a message of this type about this subject (milestone or action name) passes. */
        public boolean accepts(String type, String subject) {
            if (Outbox.OPERATIONAL.contains(type)) {
                // about the webhooks themselves, not users: only to endpoints that asked for it by name
                return types != null && types.contains(type);
            }
            if (types != null && !types.contains(type)) {
                return false;
            }
            return actions == null || !Outbox.ACTION_TRIGGERED.equals(type) || actions.contains(subject);
        }
    }

    /** The secrets messages are signed with at {@code now}: the current one, and the previous one during rotation. */
    public List<String> signingSecrets(Instant now) {
        if (previousSecret != null && previousSecretUntil != null && now.isBefore(previousSecretUntil)) {
            return List.of(secret, previousSecret);
        }
        return List.of(secret);
    }

    static List<String> split(String joined) {
        return joined == null ? null : Arrays.asList(joined.split(","));
    }

    static String join(List<String> values) {
        return values == null ? null : String.join(",", values);
    }
}
