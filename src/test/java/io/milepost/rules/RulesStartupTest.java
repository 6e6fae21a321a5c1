package io.milepost.rules;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.writer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.milepost.rules.api.RulesApiTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A hostile file in the folder at startup: nothing is loaded (not even the good files) until it is gone. */
@QuarkusTest
@TestProfile(RulesStartupTest.HostileFolder.class)
class RulesStartupTest {
    static final Path dir = Path.of("target/test-rules/rules-startup").toAbsolutePath();

    public static class HostileFolder implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(dir);
                try (Stream<Path> old = Files.list(dir);
                        Stream<Path> shipped = Files.list(Path.of("rules"))) {
                    for (Path f : old.filter(Files::isRegularFile).toList()) {
                        Files.delete(f);
                    }
                    for (Path f : shipped.filter(Files::isRegularFile).toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()));
                    }
                }
                Files.writeString(dir.resolve("hostile.drl"), RulesApiTest.HOSTILE);
                return Map.of("milepost.rules.dir", dir.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void shouldLoadNothingFromAFolderWithAHostileFileUntilItIsRemoved() throws IOException {
        admin().get("/v1/rules")
                .then()
                .statusCode(200)
                .body("version", nullValue())
                .body("rules", hasSize(0))
                .body("errors", hasSize(1))
                .body("errors[0].file", equalTo("hostile.drl"))
                .body("errors[0].line", equalTo(7))
                .body("errors[0].column", equalTo(5))
                .body(
                        "errors[0].message",
                        equalTo("\"System.exit\" is not allowed in rules: only the fact model, "
                                + "java.time, java.util collections, Math and String may be used"))
                .body("history[0].filesChanged.added", hasItem("hostile.drl"));
        given().get("/q/health/ready").then().statusCode(503);
        String u = newUser("before-removal");
        writer().body("{\"userId\":\"" + u + "\",\"event\":\"search_performed\"}")
                .post("/v1/track")
                .then()
                .statusCode(200);
        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("activity.search_performed.count", equalTo(1))
                .body("milestones", hasSize(0));

        Files.delete(dir.resolve("hostile.drl"));

        admin().post("/v1/rules/reload")
                .then()
                .statusCode(200)
                .body("version", notNullValue())
                .body("errors", hasSize(0))
                .body("history[0].filesChanged.removed", equalTo(List.of("hostile.drl")));
        given().get("/q/health/ready").then().statusCode(200);
    }
}
