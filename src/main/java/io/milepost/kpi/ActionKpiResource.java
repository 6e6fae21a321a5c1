package io.milepost.kpi;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
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

@Path("/v1/kpis/actions")
@Tag(name = "KPIs")
@Produces(MediaType.APPLICATION_JSON)
public class ActionKpiResource {
    private static final Set<String> PARAMETERS = Set.of("from", "to");

    private final ActionKpis kpis;
    private final Clock clock;

    public ActionKpiResource(ActionKpis kpis, Clock clock) {
        this.kpis = kpis;
        this.clock = clock;
    }

    @GET
    @Operation(summary = "Per action, for users who signed up in [from, to): sent, delivered, held out, suppressed, "
            + "and how many of the users who got it, and of its control group, then moved further in the journey")
    public ActionKpiView actions(@QueryParam("from") String from, @QueryParam("to") String to, @Context UriInfo uri) {
        List<String> unknown = uri.getQueryParameters().keySet().stream().filter(k -> !PARAMETERS.contains(k)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(400, "invalid_request", "unknown parameter(s) " + unknown + "; known: from, to",
                    unknown.stream().map(k -> new FieldError(null, k, "unknown parameter")).toList());
        }
        Instant start = from == null || from.isBlank() ? Instant.parse("2000-01-01T00:00:00Z") : time("from", from);
        Instant end = to == null || to.isBlank() ? clock.instant().plus(Duration.ofDays(1)) : time("to", to);
        return kpis.actions(start, end);
    }

    /** An ISO-8601 instant, or a date (midnight UTC). */
    static Instant time(String name, String value) {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiException(400, "invalid_request", name + " must be a date (2026-01-31) or an ISO-8601 time with offset",
                    List.of(new FieldError(null, name, "not a date or time")));
        }
    }
}
