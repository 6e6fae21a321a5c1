package io.milepost.security;

import io.milepost.common.ErrorMapper;
import io.milepost.config.MilepostConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Who may call what: write keys may only ingest, the admin key may do everything. Keys come as
 * {@code Authorization: Bearer <key>}, or as HTTP Basic with the key as user name (what Segment's
 * libraries send). With no key configured nothing is checked, and the service listens on loopback
 * only (see {@link LoopbackUnlessKeysInterceptor}).
 */
@ApplicationScoped
public class AccessFilter {
    private static final Logger LOG = Logger.getLogger(AccessFilter.class);
    private static final Set<String> INGEST = io.milepost.http.IngestPaths.ALL;

    private final List<byte[]> writeKeys;
    private final byte[] adminKey;
    private final String host;

    public AccessFilter(MilepostConfig config, @ConfigProperty(name = "quarkus.http.host") String host) {
        this.writeKeys = config.auth().writeKeys().orElse(List.of()).stream()
                .map(String::trim)
                .filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8))
                .toList();
        this.adminKey = config.auth()
                .adminKey()
                .map(String::trim)
                .filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8))
                .orElse(null);
        this.host = host;
    }

    void warnIfOpen(@Observes StartupEvent event) {
        if (open()) {
            LOG.warnf(
                    "no milepost.auth.admin-key or milepost.auth.write-keys configured: the API needs no key, "
                            + "so it listens on %s only. Set keys to serve other hosts.",
                    host);
        } else if (adminKey == null) {
            LOG.warn("no milepost.auth.admin-key configured: only ingestion is reachable");
        }
    }

    private boolean open() {
        return adminKey == null && writeKeys.isEmpty();
    }

    @ServerRequestFilter
    public Response check(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (open() || !path.startsWith("/v1/")) {
            return null;
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (!INGEST.contains(path) && isBasic(authorization)) {
            return unauthorized("HTTP Basic is accepted for ingestion only; send Authorization: Bearer <key>");
        }
        byte[] key = presentedKey(authorization);
        if (key == null && INGEST.contains(path)) {
            // Segment's libraries may carry the write key in the body instead: the resource checks it.
            return null;
        }
        if (key == null) {
            return unauthorized("send a key: Authorization: Bearer <key>");
        }
        boolean admin = adminKey != null && MessageDigest.isEqual(key, adminKey);
        boolean writer = writeKeys.stream().anyMatch(k -> MessageDigest.isEqual(key, k));
        if (admin || writer && INGEST.contains(path)) {
            return null;
        }
        if (writer) {
            return ErrorMapper.respond(
                    403, "forbidden", "a write key may only send events; this needs the admin key", List.of());
        }
        return unauthorized("the key is not valid");
    }

    /**
     * For an ingestion call that came without an Authorization header: is the {@code writeKey} its
     * body carries one that may ingest? Always true when no keys are configured. Only the body's
     * top-level {@code writeKey} is looked for, before the body is validated: a caller without a
     * key learns nothing about what the service accepts.
     */
    public void checkBodyKey(String authorizationHeader, byte[] body) {
        if (open() || presentedKey(authorizationHeader) != null) {
            return;
        }
        String writeKey = BodyKey.find(body);
        byte[] key = writeKey == null || writeKey.isBlank() ? null : writeKey.getBytes(StandardCharsets.UTF_8);
        if (key == null) {
            throw new io.milepost.common.ApiException(
                    401,
                    "unauthorized",
                    "send a key: Authorization: Bearer <key>, HTTP Basic with the key as user name, or writeKey in the body");
        }
        boolean ok = adminKey != null && MessageDigest.isEqual(key, adminKey)
                || writeKeys.stream().anyMatch(k -> MessageDigest.isEqual(key, k));
        if (!ok) {
            throw new io.milepost.common.ApiException(401, "unauthorized", "the key is not valid");
        }
    }

    private static Response unauthorized(String message) {
        Response r = ErrorMapper.respond(401, "unauthorized", message, List.of());
        return Response.fromResponse(r)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    private static boolean isBasic(String header) {
        return header != null && header.trim().regionMatches(true, 0, "Basic ", 0, 6);
    }

    static byte[] presentedKey(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = h.substring(7).trim();
            return token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded =
                        new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                String user = colon >= 0 ? decoded.substring(0, colon) : decoded;
                return user.isEmpty() ? null : user.getBytes(StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
