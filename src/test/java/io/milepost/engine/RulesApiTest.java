package io.milepost.engine;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What is loaded, the catalog, and a broken file that must not replace working rules. */
@QuarkusTest
@TestProfile(RulesApiTest.CopiedRules.class)
class RulesApiTest {
    static final Path dir = Path.of("target/test-rules/rules-api").toAbsolutePath();
    public static class CopiedRules implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(dir);
                try (Stream<Path> files = Files.list(Path.of("rules"))) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                return Map.of("milepost.rules.dir", dir.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void shouldShowTheLoadedRulesAndTheMilestoneCatalog() {
        admin().get("/v1/rules").then().statusCode(200)
                .body("version", notNullValue())
                .body("files", hasItem("milestones.drl"))
                .body("rules.find { it.name == 'First Value: 5 searches and a list' }.milestone", equalTo("first_value"))
                .body("rules.find { it.name == 'First Value: 5 searches and a list' }.file", equalTo("milestones.drl"))
                .body("errors", hasSize(0));
        admin().get("/v1/milestones").then().statusCode(200)
                .body("name", equalTo(java.util.List.of("interest", "first_value", "value_realization", "continued_value",
                        "value_growth")))
                .body("[1].within", equalTo("PT168H"))
                .body("[2].after", equalTo("first_value"))
                .body("[4].rules", hasSize(2));
    }

    @Test
    void shouldKeepTheWorkingRulesWhenAFileDoesNotCompile() throws IOException {
        String before = admin().get("/v1/rules").then().extract().path("version");
        Path broken = dir.resolve("broken.drl");
        Files.writeString(broken, "package rules;\n\nrule \"half written\"\nwhen\n    Activity( event == \n");
        try {
            admin().post("/v1/rules/reload").then().statusCode(422)
                    .body("version", equalTo(before))
                    .body("errors[0].file", equalTo("broken.drl"))
                    .body("errors[0].line", equalTo(6))
                    .body("errors[0].message", notNullValue());
            given().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'rules' }.data.version", equalTo(before))
                    .body("checks.find { it.name == 'rules' }.data.errors", equalTo(1));
            String u = newUser("still-evaluated");
            writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}").post("/v1/track").then().statusCode(200);
            admin().get("/v1/users/" + u).then().body("milestones.name", hasItem("interest"));
        } finally {
            Files.delete(broken);
        }
        Files.writeString(dir.resolve("extra.drl"), "package rules;\nrule \"Extra\" when Activity( event == \"x\" ) then trigger(\"x\"); end\n");
        String after = admin().post("/v1/rules/reload").then().statusCode(200)
                .body("errors", hasSize(0))
                .body("rules.name", hasItem("Extra"))
                .body("history[0].ok", equalTo(true))
                .body("history[1].ok", equalTo(false))
                .extract().path("version");
        assertNotEquals(before, after);
        Files.delete(dir.resolve("extra.drl"));
        admin().post("/v1/rules/reload").then().statusCode(200).body("rules.name", not(hasItem("Extra")))
                .body("version", equalTo(before));
    }

    @Test
    void shouldShowWhichFilesEachLoadAddedChangedOrRemoved() throws IOException {
        Path extra = dir.resolve("history.drl");
        Files.writeString(extra, "package rules;\nrule \"History A\" when Activity( event == \"a\" ) then trigger(\"a\"); end\n");
        admin().post("/v1/rules/reload").then().statusCode(200)
                .body("history[0].filesChanged.added", equalTo(List.of("history.drl")))
                .body("history[0].filesChanged.changed", hasSize(0))
                .body("history[0].filesChanged.removed", hasSize(0));
        Files.writeString(extra, "package rules;\nrule \"History B\" when Activity( event == \"b\" ) then trigger(\"b\"); end\n");
        admin().post("/v1/rules/reload").then().statusCode(200)
                .body("history[0].filesChanged.added", hasSize(0))
                .body("history[0].filesChanged.changed", equalTo(List.of("history.drl")));
        admin().post("/v1/rules/reload").then().statusCode(200)
                .body("history[0].filesChanged.changed", hasSize(0));
        Files.delete(extra);
        admin().post("/v1/rules/reload").then().statusCode(200)
                .body("history[0].filesChanged.removed", equalTo(List.of("history.drl")))
                .body("history[3].filesChanged.added", equalTo(List.of("history.drl")));
    }
}
