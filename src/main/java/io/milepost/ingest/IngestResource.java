package io.milepost.ingest;

import io.milepost.security.AccessFilter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Segment-compatible ingestion. Bodies are read as bytes so that size limits and JSON errors are
 * answered in the API's own error shape. Calls without an Authorization header may carry the write
 * key in the body ({@code writeKey}), as Segment's Java library does.
 */
@Path("/v1")
@Tag(name = "Ingestion")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class IngestResource {
    private final MessageParser parser;
    private final IngestService service;
    private final Clock clock;
    private final AccessFilter access;

    public IngestResource(MessageParser parser, IngestService service, Clock clock, AccessFilter access) {
        this.parser = parser;
        this.service = service;
        this.clock = clock;
        this.access = access;
    }

    private Ack ingest(
            byte[] body, String authorization, java.util.function.Function<byte[], MessageParser.Parsed> parse) {
        access.checkBodyKey(authorization, body);
        return service.ingest(parse.apply(body));
    }

    @POST
    @Path("/track")
    @Operation(summary = "Record what a user did (Segment track)")
    public Ack track(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.TRACK, clock.instant()));
    }

    @POST
    @Path("/identify")
    @Operation(summary = "Record who a user is (Segment identify)")
    public Ack identify(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.IDENTIFY, clock.instant()));
    }

    @POST
    @Path("/page")
    @Operation(summary = "Record a page view (Segment page): the event page_viewed, with the page's name and category")
    public Ack page(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.PAGE, clock.instant()));
    }

    @POST
    @Path("/screen")
    @Operation(summary = "Record a screen view in an app (Segment screen): the event screen_viewed")
    public Ack screen(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.SCREEN, clock.instant()));
    }

    @POST
    @Path("/group")
    @Operation(summary = "Link a user to an account, with the account's traits (Segment group)")
    public Ack group(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.GROUP, clock.instant()));
    }

    @POST
    @Path("/alias")
    @Operation(summary = "Tie a previous id (an anonymous visitor) to the userId it became (Segment alias)")
    public Ack alias(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.single(b, IncomingMessage.Type.ALIAS, clock.instant()));
    }

    @POST
    @Path("/batch")
    @Operation(summary = "Record many calls (track, identify, page, screen, group, alias) at once, all or nothing")
    public Ack batch(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return ingest(body, authorization, b -> parser.batch(b, clock.instant()));
    }

    // The one-letter paths Segment's browser library (analytics.js, @segment/analytics-next) posts to.
    @POST
    @Path("/t")
    @Operation(hidden = true)
    public Ack t(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return track(body, authorization);
    }

    @POST
    @Path("/i")
    @Operation(hidden = true)
    public Ack i(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return identify(body, authorization);
    }

    @POST
    @Path("/p")
    @Operation(hidden = true)
    public Ack p(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return page(body, authorization);
    }

    @POST
    @Path("/s")
    @Operation(hidden = true)
    public Ack s(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return screen(body, authorization);
    }

    @POST
    @Path("/g")
    @Operation(hidden = true)
    public Ack g(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return group(body, authorization);
    }

    @POST
    @Path("/a")
    @Operation(hidden = true)
    public Ack a(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return alias(body, authorization);
    }

    @POST
    @Path("/b")
    @Operation(hidden = true)
    public Ack b(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return batch(body, authorization);
    }

    @POST
    @Path("/import")
    @Operation(summary = "Same as /v1/batch (where Segment's Java library posts; a trailing slash is fine)")
    public Ack importBatch(byte[] body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return batch(body, authorization);
    }
}
