package io.milepost.common;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One invalid field; {@code index} is the item's position in a batch (absent for single calls). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(Integer index, String field, String message) {}
