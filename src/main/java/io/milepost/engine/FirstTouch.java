package io.milepost.engine;

import java.util.List;
import java.util.Map;

/**
 * Where a user came from, as the traits {@code initial_utm_source}, {@code initial_utm_medium},
 * {@code initial_utm_campaign} and {@code initial_referrer}: taken from the first call that carries
 * a campaign ({@code context.campaign}) or a referrer ({@code context.page.referrer}), anonymous
 * history included, and never changed afterwards.
 */
public final class FirstTouch {
    public static final String SOURCE = "initial_utm_source";
    public static final String MEDIUM = "initial_utm_medium";
    public static final String CAMPAIGN = "initial_utm_campaign";
    public static final String REFERRER = "initial_referrer";
    public static final List<String> TRAITS = List.of(SOURCE, MEDIUM, CAMPAIGN, REFERRER);

    private FirstTouch() {}

    /** True when the traits already hold a first touch (any of its traits). */
    public static boolean present(Map<String, Object> traits) {
        for (String t : TRAITS) {
            if (traits.get(t) != null) {
                return true;
            }
        }
        return false;
    }
}
