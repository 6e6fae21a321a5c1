package io.milepost.kpi;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.time.Clock;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/kpis/actions")
@Tag(name = "KPIs")
@Produces(MediaType.APPLICATION_JSON)
public class ActionKpiResource {
    private final ActionKpis kpis;
    private final Clock clock;

    public ActionKpiResource(ActionKpis kpis, Clock clock) {
        this.kpis = kpis;
        this.clock = clock;
    }

    @GET
    @Operation(
            summary =
                    "Per action, for users who signed up in [from, to): sent, delivered, held out, suppressed, "
                            + "and how many of the users who got it, and of its control group, then moved further in the journey")
    public ActionKpiView actions(@QueryParam("from") String from, @QueryParam("to") String to, @Context UriInfo uri) {
        KpiResource.onlyParameters(uri, "from", "to");
        return kpis.actions(KpiResource.start(from), KpiResource.end(to, clock));
    }
}
