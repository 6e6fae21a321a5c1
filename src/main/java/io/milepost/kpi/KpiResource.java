package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.replay.JobView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/kpis")
@Tag(name = "KPIs")
@Produces(MediaType.APPLICATION_JSON)
public class KpiResource {
    private final JourneyKpis journey;
    private final KpiRecounts recounts;
    private final Clock clock;

    public KpiResource(JourneyKpis journey, KpiRecounts recounts, Clock clock) {
        this.journey = journey;
        this.recounts = recounts;
        this.clock = clock;
    }

    @POST
    @Path("/rebuild")
    @Operation(
            summary = "Recount the KPI figures kept per signup day from the records, as a background job "
                    + "(progress at GET /v1/jobs/{id}); 409 while one is queued or running")
    public Response rebuild(@Context UriInfo uri) {
        onlyParameters(uri);
        JobView job = recounts.startRebuild();
        return Response.accepted(job)
                .location(URI.create("/v1/jobs/" + job.id()))
                .build();
    }

    @GET
    @Path("/funnel")
    @Operation(
            summary =
                    "For users who signed up in [from, to): per milestone reached, conversion from the previous one, "
                            + "within window, stalled, in progress, dropped off, time to reach; optionally per value of a trait")
    public FunnelView funnel(
            @Context UriInfo uri,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("breakdown") String breakdown,
            @QueryParam("top") String top) {
        onlyParameters(uri, "from", "to", "breakdown", "top");
        if (breakdown != null && breakdown.isBlank()) {
            throw field("breakdown", "breakdown must name a trait");
        }
        return journey.funnel(start(from), end(to, clock), breakdown, top == null ? 5 : number("top", top));
    }

    @GET
    @Path("/cohorts")
    @Operation(
            summary = "One row per signup cohort (day, week from Monday UTC, month) of [from, to): size and per "
                    + "milestone reached, within window, in progress, stalled, share")
    public CohortsView cohorts(
            @Context UriInfo uri,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("interval") String interval) {
        onlyParameters(uri, "from", "to", "interval");
        return journey.cohorts(start(from), end(to, clock), interval == null ? "week" : interval);
    }

    @GET
    @Path("/time-to-reach")
    @Operation(
            summary = "Time from signup (or the @after milestone) to a milestone for users who signed up in "
                    + "[from, to): histogram and percentiles")
    public TimeToReachView timeToReach(
            @Context UriInfo uri,
            @QueryParam("milestone") String milestone,
            @QueryParam("from") String from,
            @QueryParam("to") String to) {
        onlyParameters(uri, "milestone", "from", "to");
        if (milestone == null || milestone.isBlank()) {
            throw field("milestone", "milestone is required");
        }
        return journey.timeToReach(milestone, start(from), end(to, clock));
    }

    /** Refuses query parameters this endpoint does not know, naming them (a typo must not pass silently). */
    static void onlyParameters(UriInfo uri, String... known) {
        Set<String> allowed = Set.of(known);
        List<String> unknown = uri.getQueryParameters().keySet().stream()
                .filter(k -> !allowed.contains(k))
                .sorted()
                .toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "unknown query parameter" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                            + "; this endpoint takes " + String.join(", ", known),
                    unknown.stream()
                            .map(k -> new FieldError(null, k, "unknown parameter"))
                            .toList());
        }
    }

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw field(name, name + " must be a whole number");
        }
    }

    private static ApiException field(String name, String message) {
        return new ApiException(400, "invalid_request", message, List.of(new FieldError(null, name, message)));
    }

    /** {@code from}, or the beginning of time for KPIs. */
    static Instant start(String from) {
        return from == null || from.isBlank() ? Instant.parse("2000-01-01T00:00:00Z") : time("from", from);
    }

    /** {@code to}, or a day past now. */
    static Instant end(String to, Clock clock) {
        return to == null || to.isBlank() ? clock.instant().plus(Duration.ofDays(1)) : time("to", to);
    }

    /** An ISO-8601 instant, or a date (midnight UTC). */
    static Instant time(String name, String value) {
        try {
            return value.length() == 10
                    ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    name + " must be a date (2026-01-31) or an ISO-8601 time with offset",
                    List.of(new FieldError(null, name, "not a date or time")));
        }
    }
}
