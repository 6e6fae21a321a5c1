package io.milepost.kpi;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How each database reads one trait out of the {@code users.traits} JSON text, as SQL text (or null
 * when the trait is missing or JSON null). PostgreSQL has {@code ->>}; H2 2.3 has no JSON path
 * function, so an H2-only migration ({@code db/h2}) declares {@code MILEPOST_TRAIT}, backed by
 * {@link H2Traits#text}.
 */
public interface TraitSql {

    /** An SQL expression of the trait named by the next {@code ?} parameter of {@code column}'s JSON. */
    String text(String column);

    final class Postgres implements TraitSql {
        @Override
        public String text(String column) {
            return "(CAST(" + column + " AS jsonb) ->> CAST(? AS text))";
        }
    }

    final class H2 implements TraitSql {
        @Override
        public String text(String column) {
            return "MILEPOST_TRAIT(" + column + ", ?)";
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
