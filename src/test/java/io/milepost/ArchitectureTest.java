package io.milepost;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The package structure of docs/architecture.md and ADR 13, checked on the compiled classes. */
class ArchitectureTest {
    static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.milepost");

    @Test
    void shouldHaveNoCircleBetweenPackages() {
        slices().matching("io.milepost.(**)").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void shouldKeepTheRuleAuthorsFactModelFreeOfTheService() {
        noClasses()
                .that()
                .resideInAPackage("io.milepost.facts..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.milepost.facts..", "java..")
                .check(SERVICE);
    }

    @Test
    void shouldKeepTheEngineFreeOfStorageHttpAndTheFeatures() {
        noClasses()
                .that()
                .resideInAPackage("io.milepost.engine..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.milepost.store..",
                        "io.milepost.outbox..",
                        "io.milepost.rules..",
                        "io.milepost.milestone..",
                        "io.milepost.ingest..",
                        "io.milepost.webhook..",
                        "io.milepost.kpi..",
                        "io.milepost.user..",
                        "jakarta.ws.rs..",
                        "jakarta.persistence..",
                        "java.sql..")
                .check(SERVICE);
    }

    @Test
    void shouldKeepTheStoreBelowTheFeaturesThatUseIt() {
        noClasses()
                .that()
                .resideInAPackage("io.milepost.store..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.milepost.outbox..",
                        "io.milepost.milestone..",
                        "io.milepost.rules..",
                        "io.milepost.ingest..",
                        "io.milepost.webhook..",
                        "io.milepost.kpi..",
                        "io.milepost.user..")
                .check(SERVICE);
    }
}
