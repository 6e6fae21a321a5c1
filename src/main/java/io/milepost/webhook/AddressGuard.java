package io.milepost.webhook;

import io.milepost.config.MilepostConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keeps webhooks from reaching into the network Milepost runs in (SSRF). A URL is accepted only
 * if it is http(s), names its host in a canonical form, and every address the host resolves to is
 * a public unicast address. The check runs at registration and again before every attempt, and
 * the attempt connects to the address that was checked, so a DNS answer that changes in between
 * (rebinding) cannot redirect it.
 *
 * <p>With {@code allowPrivate} (tests, private deployments) loopback, private, link-local,
 * shared (CGNAT) and unique-local addresses are allowed; unspecified and multicast never are.
 */
public final class AddressGuard {
    /** The one guard of the service, as {@code milepost.webhooks.allow-private} says (registration and sending share it). */
    @Singleton
    static final class Producer {
        @Produces
        @Singleton
        AddressGuard guard(MilepostConfig config) {
            return new AddressGuard(config.webhooks().allowPrivate());
        }
    }

    /** A host made only of digits, dots and hex prefixes: an IPv4 literal in some form. */
    private static final Pattern NUMERIC_HOST =
            Pattern.compile("(?i)^(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]*))*\\.?$");

    private static final Pattern CANONICAL_IPV4 =
            Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");

    private final boolean allowPrivate;

    public AddressGuard(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** Where an attempt goes: the URL's parts and the checked address to connect to. */
    public record Target(URI uri, boolean tls, String host, int port, String pathAndQuery, InetAddress address) {}

    /** A URL Milepost will not send to, and why. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** Checks the URL's form only (no DNS): scheme, host, port, no credentials. */
    public URI parse(String url) throws Refused {
        if (url == null || url.isBlank()) {
            throw new Refused("url is required");
        }
        if (url.length() > 2048) {
            throw new Refused("url is longer than 2048 characters");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new Refused("url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("url must start with http:// or https://");
        }
        String authority = uri.getRawAuthority();
        if (uri.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
            throw new Refused("url must not carry a user name or password");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // java.net.URI leaves the host out when it is neither a host name nor a dotted quad
            String named = authority == null ? "" : authority.replaceFirst(":\\d*$", "");
            if (named.isEmpty()) {
                throw new Refused("url has no host");
            }
            throw new Refused(
                    NUMERIC_HOST.matcher(named).matches()
                            ? nonCanonical(named)
                            : "url host " + named + " is not a valid host name");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("url must not have a #fragment");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new Refused("url has an invalid port");
        }
        if (!host.startsWith("[")
                && NUMERIC_HOST.matcher(host).matches()
                && !CANONICAL_IPV4.matcher(host).matches()) {
            throw new Refused(nonCanonical(host));
        }
        return uri;
    }

    private static String nonCanonical(String host) {
        return "url host " + host + " is an IP address in a non-canonical form; write it as a.b.c.d";
    }

    /** Parses the URL, resolves its host and checks every address; answers where to connect. */
    public Target resolve(String url) throws Refused {
        URI uri = parse(url);
        String host = uri.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw new Refused("url host " + bare + " does not resolve");
        }
        for (InetAddress a : addresses) {
            String why = refusal(a);
            if (why != null) {
                throw new Refused("url host " + bare + " resolves to " + a.getHostAddress() + ", " + why);
            }
        }
        boolean tls = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return new Target(uri, tls, bare, port, pathAndQuery, addresses[0]);
    }

    /** Why Milepost will not connect to this address (e.g. "a loopback address"), or null if it may. */
    public String refusal(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            byte[] embedded = embeddedIpv4(b);
            if (embedded != null) {
                try {
                    String why = refusal(InetAddress.getByAddress(embedded));
                    return why == null ? null : "an IPv6 form of " + why;
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            return ipv6(b);
        }
        return ipv4(b);
    }

    private String ipv4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        if (a0 == 0) {
            return "an unspecified (0.0.0.0/8) address";
        }
        if (a0 >= 224) {
            return a0 < 240 ? "a multicast address" : "a reserved or broadcast address";
        }
        if (allowPrivate) {
            return null;
        }
        if (a0 == 127) {
            return "a loopback address";
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
            return "a private address";
        }
        if (a0 == 169 && a1 == 254) {
            return "a link-local address (cloud metadata lives here)";
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return "a shared (CGNAT, 100.64.0.0/10) address";
        }
        if (a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0) {
            return "an IETF protocol-assignment (192.0.0.0/24) address";
        }
        if (a0 == 198 && (a1 & 0xfe) == 18) {
            return "a benchmarking (198.18.0.0/15) address";
        }
        return null;
    }

    private String ipv6(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (isZero(b, 0, 16)) {
            return "the unspecified address";
        }
        if (first == 0xff) {
            return "a multicast address";
        }
        if (allowPrivate) {
            return null;
        }
        if (isZero(b, 0, 15) && b[15] == 1) {
            return "a loopback address";
        }
        if ((first & 0xfe) == 0xfc) {
            return "a unique-local (fc00::/7) address";
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return "a link-local address";
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return "a site-local address";
        }
        if (first == 0x20 && second == 0x01 && b[2] == 0 && b[3] == 0) {
            return "a Teredo tunnel address";
        }
        if (first == 0x01 && second == 0 && isZero(b, 2, 8)) {
            return "a discard-only (100::/64) address";
        }
        return null;
    }

    /**
     * The IPv4 address inside an IPv6 one that carries it: IPv4-mapped ::ffff:a.b.c.d,
     * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d and 6to4 2002:aabb:ccdd::.
     */
    static byte[] embeddedIpv4(byte[] b) {
        boolean mapped = isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = isZero(b, 0, 12) && !isZero(b, 12, 15);
        boolean nat64 = (b[0] & 0xff) == 0
                && (b[1] & 0xff) == 0x64
                && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b
                && isZero(b, 4, 12);
        if (mapped || compatible || nat64) {
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
            return new byte[] {b[2], b[3], b[4], b[5]};
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
