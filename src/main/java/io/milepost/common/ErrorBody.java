package io.milepost.common;

import java.util.List;

/** The body of every error answer: {@code {"error": code, "message": text, "details": [...]}}. */
public record ErrorBody(String error, String message, List<?> details) {}
