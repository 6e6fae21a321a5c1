package io.milepost.ingest;

import static io.milepost.support.Api.admin;
import static io.milepost.support.Api.newUser;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.TrackMessage;
import io.milepost.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Segment's official Java library, unmodified, pointed at Milepost. */
@QuarkusTest
class SegmentLibraryTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void shouldAcceptEventsFromTheOfficialSegmentJavaLibrary() throws Exception {
        String u = newUser("analytics-java");
        CountDownLatch delivered = new CountDownLatch(7);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Analytics analytics = Analytics.builder(Api.WRITE_KEY)
                .endpoint(root.toString())
                .flushQueueSize(7)
                .retries(1)
                .callback(new Callback() {
                    @Override
                    public void success(Message message) {
                        delivered.countDown();
                    }

                    @Override
                    public void failure(Message message, Throwable throwable) {
                        failures.add(throwable);
                        delivered.countDown();
                    }
                })
                .build();
        try {
            analytics.enqueue(IdentifyMessage.builder().userId(u).traits(Map.of("plan", "team")));
            for (int i = 0; i < 5; i++) {
                analytics.enqueue(
                        TrackMessage.builder("search_performed").userId(u).properties(Map.of("query", "q" + i)));
            }
            analytics.enqueue(TrackMessage.builder("list_created").userId(u));
            analytics.flush();
            assertTrue(delivered.await(30, TimeUnit.SECONDS), "the library did not finish sending");
        } finally {
            analytics.shutdown();
        }
        assertTrue(failures.isEmpty(), "the library reported failures: " + failures);
        admin().get("/v1/users/" + u)
                .then()
                .statusCode(200)
                .body("traits.plan", equalTo("team"))
                .body("activity.search_performed.count", equalTo(5))
                .body("milestones.name", equalTo(List.of("interest", "first_value")));
    }
}
