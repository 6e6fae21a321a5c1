package io.milepost.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets and signatures as the Standard Webhooks specification defines them: a secret is
 * {@code whsec_} followed by base64 of random bytes; a signature is {@code v1,} followed by base64
 * of HMAC-SHA256, keyed with the secret's bytes, over {@code id.timestamp.body}. Several signatures
 * (during a secret rotation) are separated by spaces.
 */
public final class WebhookSignature {
    public static final String SECRET_PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignature() {}

    /** A fresh secret with 256 random bits. */
    public static String newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The {@code webhook-signature} header value: one {@code v1,} signature per secret. */
    public static String header(List<String> secrets, String webhookId, long timestampSeconds, byte[] body) {
        StringBuilder out = new StringBuilder();
        for (String secret : secrets) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append("v1,").append(sign(secret, webhookId, timestampSeconds, body));
        }
        return out.toString();
    }

    /** Base64 of HMAC-SHA256 over {@code id.timestamp.body}. */
    public static String sign(String secret, String webhookId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keyBytes(secret), "HmacSHA256"));
            mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] keyBytes(String secret) {
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        return Base64.getDecoder().decode(encoded);
    }
}
