package io.milepost.engine;

import java.time.Duration;
import java.util.List;

/**
 * A milestone of the journey, as declared by rule metadata ({@code @milestone}, {@code @order},
 * {@code @within}, {@code @after}).
 *
 * @param within the window, or null when the milestone has none
 * @param after  the milestone the window counts from, or null to count from signup
 * @param rules  the names of the rules that declare it
 */
public record MilestoneDefinition(String name, int order, Duration within, String after, List<String> rules) {}
