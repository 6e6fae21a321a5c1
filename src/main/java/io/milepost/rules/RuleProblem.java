package io.milepost.rules;

/** A problem in a rule file, with its position when known (line and column start at 1; 0 = unknown). */
public record RuleProblem(String file, int line, int column, String message) {}
