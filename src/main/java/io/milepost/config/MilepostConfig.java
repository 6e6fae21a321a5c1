package io.milepost.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Milepost's settings. Each is also an environment variable, e.g. {@code MILEPOST_RULES_DIR}. */
@ConfigMapping(prefix = "milepost")
public interface MilepostConfig {

    Rules rules();

    Auth auth();

    Ingest ingest();

    Scheduler scheduler();

    Webhooks webhooks();

    Actions actions();

    Replay replay();

    Http http();

    Kpis kpis();

    interface Kpis {
        /**
         * Traits the KPI figures are kept for per value, so that a funnel broken down by one of them
         * answers as fast as one without (a breakdown by any other trait is counted from the records).
         * Meant for traits with few values (plan, acquisition source), not ids or emails.
         */
        @WithDefault("plan")
        List<String> breakdownTraits();

        /** How often the signup days whose records changed are recounted. */
        @WithDefault("5s")
        Duration foldInterval();
    }

    interface Rules {
        /** The folder with the rule files ({@code *.drl}, {@code *.dslr}, {@code *.dsl}). */
        @WithDefault("rules")
        String dir();

        /** How often the folder is checked for changes ({@code off} turns hot reload off). */
        @WithDefault("2s")
        String watchInterval();

        /** Rule firings allowed in one evaluation before it is stopped as a runaway. */
        @WithDefault("1000")
        int maxFirings();

        /**
         * How long one evaluation of a user's rules may take. After it the evaluation is abandoned
         * and recorded as a rule failure naming the rule that was running (loops, deep recursion and
         * regular expressions included), and the request or sweep goes on without it.
         */
        @WithDefault("500ms")
        Duration maxEvaluationTime();
    }

    interface Auth {
        /** Keys that may only ingest events. */
        Optional<List<String>> writeKeys();

        /** The key that may do everything. */
        Optional<String> adminKey();
    }

    interface Ingest {
        /** Largest accepted batch body, in bytes. */
        @WithDefault("512000")
        int maxBatchBytes();

        /** Largest accepted single event, in bytes. */
        @WithDefault("32768")
        int maxEventBytes();

        /** How far in the future (after skew correction) a timestamp may be. */
        @WithDefault("PT24H")
        Duration maxFuture();

        /** Timestamps before this are refused as absurd. */
        @WithDefault("2000-01-01T00:00:00Z")
        String earliest();

        /**
         * Web origins (scheme://host[:port]) whose pages may post to the ingestion endpoints from a
         * browser (CORS), e.g. {@code https://www.example.com}; {@code *} allows any. None by default.
         */
        Optional<List<String>> allowedOrigins();
    }

    interface Scheduler {
        /** How often due users are swept for closed windows. */
        @WithDefault("10s")
        String interval();

        /** How many batches of due users one instance processes side by side. */
        @WithDefault("2")
        int workers();
    }

    interface Webhooks {
        /** Waits between attempts; after the last one fails the delivery is {@code failed}. */
        @WithDefault("5s,5m,30m,2h,5h,10h,10h")
        String retrySchedule();

        /** How long one attempt may take, connecting included. */
        @WithDefault("10s")
        Duration timeout();

        /** Allows endpoints on loopback, private, link-local and unique-local addresses. */
        @WithDefault("false")
        boolean allowPrivate();

        /** How often the outbox is polled for messages written by other instances. */
        @WithDefault("1s")
        Duration pollInterval();

        /** Attempts in flight at once, per instance, over all endpoints. */
        @WithDefault("128")
        int concurrency();

        /**
         * Attempts in flight at once to one endpoint, per instance: a slow or hanging endpoint holds
         * at most these, and endpoints take turns for the rest.
         */
        @WithDefault("64")
        int endpointConcurrency();

        /**
         * An endpoint whose every attempt has failed for this long is disabled (and the endpoints
         * that subscribe to {@code webhook.endpoint.disabled} are told).
         */
        @WithDefault("5d")
        Duration disableAfter();

        /** How long a rotated-out secret still signs messages, next to the new one. */
        @WithDefault("24h")
        Duration secretRotationOverlap();
    }

    interface Actions {
        /**
         * How old the fact that triggered an action (the event, or the window's close) may be for the
         * action to be sent. An older one, as an imported history or a long outage produces, is
         * recorded as suppressed ({@code stale}) and sent nowhere.
         */
        @WithDefault("1d")
        Duration maxAge();
    }

    interface Replay {
        /** Users a replay job re-evaluates per transaction. */
        @WithDefault("500")
        int batchSize();

        /**
         * How long an instance's claim on a replay job lasts without being renewed (each batch
         * renews it). When it runs out (the instance died), the next instance to look resumes the job.
         */
        @WithDefault("30s")
        Duration lease();
    }

    interface Http {
        /** Largest accepted body of an admin call (everything but ingestion), in bytes. */
        @WithDefault("1048576")
        int maxAdminBody();

        /** A request body that sends nothing for this long is answered 408. */
        @WithDefault("10s")
        Duration bodyStallTimeout();

        /** A request body that has not arrived whole after this long is answered 408. */
        @WithDefault("30s")
        Duration bodyTimeout();

        /** Longest accepted URL (path and query), in characters; longer ones are answered 414. */
        @WithDefault("8192")
        int maxUrlLength();
    }
}
