package io.milepost.rules.api;

import io.milepost.common.ApiException;
import io.milepost.common.FieldError;
import io.milepost.rules.RuleLoadHistory;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/rules/history")
@Tag(name = "Rules")
@Produces(MediaType.APPLICATION_JSON)
public class RuleHistoryResource {
    static final int DEFAULT_LIMIT = 20;
    private static final Set<String> PARAMETERS = Set.of("limit");

    private final RuleLoadHistory history;

    public RuleHistoryResource(RuleLoadHistory history) {
        this.history = history;
    }

    /** The answer: the latest load attempts, newest first. */
    public record Page(List<RuleLoadHistory.Entry> loads) {}

    @GET
    @Operation(
            summary = "The latest attempts to load the rules folder (startup, file changes, reloads), newest first, "
                    + "with their outcome and errors")
    public Page get(@Context UriInfo uri) {
        List<FieldError> unknown = uri.getQueryParameters().keySet().stream()
                .filter(p -> !PARAMETERS.contains(p))
                .sorted()
                .map(p -> new FieldError(null, p, "unknown query parameter"))
                .toList();
        if (!unknown.isEmpty()) {
            throw new ApiException(
                    400,
                    "invalid_request",
                    "unknown query parameter "
                            + String.join(
                                    ", ",
                                    unknown.stream().map(FieldError::field).toList()) + "; this endpoint takes limit",
                    unknown);
        }
        String value = uri.getQueryParameters().getFirst("limit");
        int limit = DEFAULT_LIMIT;
        if (value != null) {
            try {
                limit = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > RuleLoadHistory.KEPT) {
                throw new ApiException(
                        400,
                        "invalid_request",
                        "limit must be a whole number from 1 to " + RuleLoadHistory.KEPT + " (the attempts kept)",
                        List.of(new FieldError(null, "limit", "must be 1 to " + RuleLoadHistory.KEPT)));
            }
        }
        return new Page(history.latest(limit));
    }
}
