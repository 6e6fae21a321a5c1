package io.milepost.kpi;

import io.milepost.common.ApiException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/kpis")
@Tag(name = "KPIs")
@Produces(MediaType.APPLICATION_JSON)
public class KpiResource {
    private final KpiService kpis;
    private final Clock clock;

    public KpiResource(KpiService kpis, Clock clock) {
        this.kpis = kpis;
        this.clock = clock;
    }

    @GET
    @Path("/funnel")
    @Operation(summary = "For users who signed up in [from, to): reached, share, conversion, in window, stalled, time to reach")
    public FunnelView funnel(@QueryParam("from") String from, @QueryParam("to") String to) {
        return kpis.funnel(start(from), end(to));
    }

    private static Instant start(String from) {
        return from == null || from.isBlank() ? Instant.parse("2000-01-01T00:00:00Z") : time("from", from);
    }

    private Instant end(String to) {
        return to == null || to.isBlank() ? clock.instant().plus(Duration.ofDays(1)) : time("to", to);
    }

    /** An ISO-8601 instant, or a date (midnight UTC). */
    static Instant time(String name, String value) {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a date (2026-01-31) or an ISO-8601 time with offset");
        }
    }
}
