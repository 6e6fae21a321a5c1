package io.milepost.webhook;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static io.milepost.support.Api.sendTrack;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milepost.support.Receiver;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SSRF protection as deployed by default (milepost.webhooks.allow-private=false). */
@QuarkusTest
@TestProfile(WebhookAddressTest.PrivateRefused.class)
class WebhookAddressTest {

    public static class PrivateRefused implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("milepost.webhooks.allow-private", "false");
        }
    }

    @Inject
    Dispatcher dispatcher;

    @Inject
    EntityManager em;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1:8080/hook",
                "http://localhost/hook",
                "http://2130706433/hook",
                "http://127.1/hook",
                "http://169.254.169.254/latest/meta-data",
                "http://[::ffff:127.0.0.1]/hook",
                "http://[fd00::1]/hook",
                "http://100.64.1.1/hook",
                "http://10.0.0.1/hook"
            })
    void shouldRefuseToRegisterInternalAddresses(String url) {
        admin().body("{\"url\":\"" + url + "\"}")
                .post("/v1/webhooks")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("details[0].field", equalTo("url"))
                .body("message", containsString("url host"));
    }

    @Test
    void shouldCheckTheAddressAgainBeforeEverySend() {
        // an endpoint whose host has since come to resolve to an internal address (DNS rebinding)
        try (Receiver receiver = Receiver.start()) {
            String id = "ep_rebound";
            QuarkusTransaction.requiringNew().run(() -> {
                WebhookEndpoint e = new WebhookEndpoint();
                e.id = id;
                e.url = receiver.url("/hook");
                e.secret = WebhookSignature.newSecret();
                e.enabled = true;
                e.createdAt = Instant.now();
                e.updatedAt = e.createdAt;
                em.persist(e);
            });
            sendTrack(newUser("rebound"), "search_performed", Instant.now());

            dispatcher.runOnce();

            assertTrue(receiver.requests().isEmpty(), "nothing reached the internal address");
            JsonPath d = admin().get("/v1/deliveries?endpoint=" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertEquals("pending", d.getString("deliveries[0].status"));
            assertTrue(
                    d.getString("deliveries[0].lastError").startsWith("refused: url host 127.0.0.1 resolves to"),
                    d.getString("deliveries[0].lastError"));
            admin().delete("/v1/webhooks/" + id).then().statusCode(204);
        }
    }
}
