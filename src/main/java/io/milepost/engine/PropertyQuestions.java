package io.milepost.engine;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which event properties the rules ask questions about ({@code countWhere}, {@code distinct},
 * {@code sum} and their windows), read from the compiled rule text: the user's state keeps values
 * per event only for those, so a product sending dozens of properties pays for none it does not ask
 * about. A question inside an {@code Activity( event == "x", ... )} pattern is about that event;
 * one elsewhere (through a binding) is kept for every event.
 */
public final class PropertyQuestions {
    /** The key for a property asked about without a known event: kept for every event. */
    public static final String ANY_EVENT = "*";

    private static final Pattern ACTIVITY = Pattern.compile("\\bActivity\\s*\\(");
    private static final Pattern EVENT = Pattern.compile("\\bevent\\s*==\\s*\"([^\"]*)\"");
    private static final Pattern QUESTION =
            Pattern.compile("\\b(?:countWhere|distinct|sum)(?:InLast|Within)?\\s*\\(\\s*\"([^\"]*)\"");

    private PropertyQuestions() {}

    /** By event name (or {@link #ANY_EVENT}), the properties asked about in {@code texts}. */
    public static Map<String, Set<String>> of(Collection<String> texts) {
        Map<String, Set<String>> asked = new TreeMap<>();
        for (String text : texts) {
            boolean[] attributed = new boolean[text.length()];
            Matcher pattern = ACTIVITY.matcher(text);
            while (pattern.find()) {
                int end = closing(text, pattern.end() - 1);
                String body = text.substring(pattern.end(), end);
                Matcher event = EVENT.matcher(body);
                String name = event.find() ? event.group(1) : ANY_EVENT;
                Matcher q = QUESTION.matcher(body);
                while (q.find()) {
                    asked.computeIfAbsent(name, k -> new TreeSet<>()).add(q.group(1));
                    attributed[pattern.end() + q.start()] = true;
                }
            }
            Matcher q = QUESTION.matcher(text);
            while (q.find()) {
                if (!attributed[q.start()]) {
                    asked.computeIfAbsent(ANY_EVENT, k -> new TreeSet<>()).add(q.group(1));
                }
            }
        }
        return asked;
    }

    /** The index of the parenthesis closing the one at {@code open} (or the end), skipping quoted text. */
    private static int closing(String text, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' && (i == 0 || text.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')' && --depth == 0) {
                return i;
            }
        }
        return text.length();
    }
}
