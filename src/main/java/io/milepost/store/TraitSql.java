package io.milepost.store;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How each database reads one trait out of the {@code users.traits} JSON text, as SQL. PostgreSQL
 * has {@code ->>} and {@code ->}; H2 has no JSON path function taking a parameter, so an H2-only
 * migration ({@code db/h2}) declares {@code MILEPOST_TRAIT} (backed by {@code kpi.H2Traits#text}),
 * and a trait's JSON text is read with H2's field syntax.
 */
public interface TraitSql {

    /**
     * The trait named by the next {@code ?} parameter, as text (a string unquoted, a number or
     * boolean as written), NULL when missing or JSON null: for grouping by a trait's values.
     */
    String text(String column);

    /**
     * The trait {@code name} as JSON text ({@code "pro"} for a string, {@code 3} for a number), NULL
     * when missing: for matching a value as written. The name is part of the statement, so callers
     * check it is a plain name (letters, digits, {@code _ - . $}) first.
     */
    String json(String column, String name);

    final class Postgres implements TraitSql {
        @Override
        public String text(String column) {
            return "(CAST(" + column + " AS jsonb) ->> CAST(? AS text))";
        }

        @Override
        public String json(String column, String name) {
            return "((" + column + ")::jsonb -> '" + name + "')::text";
        }
    }

    final class H2 implements TraitSql {
        @Override
        public String text(String column) {
            return "MILEPOST_TRAIT(" + column + ", ?)";
        }

        @Override
        public String json(String column, String name) {
            return "CAST((" + column + " FORMAT JSON).\"" + name + "\" AS VARCHAR)";
        }
    }

    @ApplicationScoped
    class Producer {
        @Produces
        @DefaultBean
        @ApplicationScoped
        TraitSql traitSql(@ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind) {
            return dbKind.toLowerCase().startsWith("postgres") ? new Postgres() : new H2();
        }
    }
}
