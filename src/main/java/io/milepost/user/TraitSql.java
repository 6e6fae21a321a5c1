package io.milepost.user;

/**
 * A user trait's value as JSON text in SQL ({@code "pro"} for a string, {@code 3} for a number,
 * NULL when the user has no such trait), one implementation per database. Trait names are checked
 * to be plain names (letters, digits, {@code _ - . $}) before they reach here: they are part of the
 * statement, not a parameter, in H2's field syntax.
 */
interface TraitSql {
    String valueText(String traitsColumn, String name);

    static TraitSql of(String dbKind) {
        if (dbKind.toLowerCase().startsWith("postgres")) {
            return (column, name) -> "((" + column + ")::jsonb -> '" + name + "')::text";
        }
        return (column, name) -> "CAST((" + column + " FORMAT JSON).\"" + name + "\" AS VARCHAR)";
    }
}
