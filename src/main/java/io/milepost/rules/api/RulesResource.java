package io.milepost.rules.api;

import io.milepost.engine.RuleBook;
import io.milepost.rules.Phrases;
import io.milepost.rules.RuleProblem;
import io.milepost.rules.RuleSet;
import io.milepost.rules.RulesView;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1")
@Tag(name = "Rules")
@Produces(MediaType.APPLICATION_JSON)
public class RulesResource {
    private final RuleSet rules;

    public RulesResource(RuleSet rules) {
        this.rules = rules;
    }

    /** One milestone of the catalog. {@code within} is an ISO-8601 duration. */
    public record MilestoneItem(String name, Integer order, Duration within, String after, List<String> rules) {}

    @GET
    @Path("/rules")
    @Operation(summary = "The rules in force, and the errors of the last load attempt")
    public RulesView get() {
        return RulesView.of(rules);
    }

    @POST
    @Path("/rules/reload")
    @Operation(summary = "Recompile the rules folder now; on errors the working rules stay (422)")
    public Response reload() {
        RuleSet.Load load = rules.reload();
        return Response.status(load.ok() ? 200 : 422)
                .entity(RulesView.of(rules))
                .build();
    }

    /** A phrase rule authors may write: where ({@code condition} or {@code consequence}), its words, its DRL, its file. */
    public record PhraseItem(String section, String phrase, String code, String file) {}

    public record PhrasesView(List<PhraseItem> phrases, List<RuleProblem> errors) {}

    @GET
    @Path("/rules/phrases")
    @Operation(summary = "The plain-English phrases rule files may use (built in and from the folder's .dsl files)")
    public PhrasesView phrases() {
        Map<String, String> files;
        try {
            files = rules.readFiles();
        } catch (UncheckedIOException e) {
            files = Map.of();
        }
        List<RuleProblem> errors = new ArrayList<>();
        Phrases phrases = Phrases.of(files, errors);
        return new PhrasesView(
                phrases.list().stream()
                        .map(p -> new PhraseItem(
                                p.section().name().toLowerCase(Locale.ROOT), p.text(), p.code(), p.file()))
                        .toList(),
                errors);
    }

    @GET
    @Path("/milestones")
    @Operation(summary = "The milestone catalog, from the rules' metadata")
    public List<MilestoneItem> milestones() {
        RuleBook book = rules.current();
        if (book == null) {
            return List.of();
        }
        return book.milestones().stream()
                .map(m -> new MilestoneItem(
                        m.name(), m.order() == Integer.MAX_VALUE ? null : m.order(), m.within(), m.after(), m.rules()))
                .toList();
    }
}
