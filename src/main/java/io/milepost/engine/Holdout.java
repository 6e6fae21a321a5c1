package io.milepost.engine;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code @holdout("10%")}: which users form an action's control group. A user is held out of an
 * action when a hash of (action, user id) falls below the share, so the same user is always in or
 * always out of that action's control group (across evaluations, restarts, instances and replays),
 * while being in the control group of one action says nothing about another.
 */
public final class Holdout {
    private Holdout() {}

    /**
     * The share of a {@code @holdout} value: a percentage above 0 and below 100 ({@code "10%"},
     * {@code "2.5%"}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static double parse(String text) {
        String s = text == null ? "" : text.trim();
        if (!s.endsWith("%")) {
            throw new IllegalArgumentException("must be a percentage such as \"10%\", got \"" + s + "\"");
        }
        BigDecimal percent;
        try {
            percent = new BigDecimal(s.substring(0, s.length() - 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a percentage such as \"10%\", got \"" + s + "\"");
        }
        if (percent.signum() <= 0 || percent.compareTo(BigDecimal.valueOf(100)) >= 0) {
            throw new IllegalArgumentException("must be more than 0% and less than 100%, got \"" + s + "\"");
        }
        return percent.doubleValue() / 100;
    }

    /** Whether the user is in the action's control group for a holdout of {@code share}. */
    public static boolean heldOut(String userId, String action, double share) {
        return position(userId, action) < share;
    }

    /** The user's place in [0, 1) for this action: the first 53 bits of SHA-256(action NUL user id). */
    static double position(String userId, String action) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(action.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] digest = sha.digest(userId.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits = bits << 8 | (digest[i] & 0xFF);
            }
            return (bits >>> 11) * 0x1.0p-53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
