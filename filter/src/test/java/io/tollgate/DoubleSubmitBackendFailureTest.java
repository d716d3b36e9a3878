package io.tollgate;

import io.tollgate.testing.Conditions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DoubleSubmitFilter with its Redis unreachable: the webapp deploys, guarded requests follow
 * onBackendFailure within backendTimeout, and once Redis is back identical submits are guarded again.
 */
class DoubleSubmitBackendFailureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BACKEND_TIMEOUT_MS = 300;
    /** Time a request may take beyond backendTimeout: the servlet, the container, the HTTP round trip. */
    private static final long MARGIN_MS = 500;

    static FilterSpec guard(RedisServer redis, String... params) {
        FilterSpec filter = FilterSpec.of("orders", DoubleSubmitFilter.class).param("redisAddress", redis.url())
                .param("backendTimeout", BACKEND_TIMEOUT_MS + "ms");
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    static HttpResponse<String> post(URI uri, String body, String... headers) throws IOException, InterruptedException {
        return Http.send(Http.request(uri, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Sends the POST and checks it was answered within backendTimeout plus the margin. */
    static HttpResponse<String> timedPost(URI uri, String body, String... headers) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post(uri, body, headers);
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(took < BACKEND_TIMEOUT_MS + MARGIN_MS, "took " + took + " ms");
        return r;
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void withAllowIdenticalPostsReachTheServletWithinBackendTimeoutWhileRedisIsDown(TestApp.Kind kind)
            throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop(); // nothing listens on its port now
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = kind.builder().filter(guard(redis, "onBackendFailure", "allow")).servlet("/*", servlet)
                    .start()) {
                for (int i = 1; i <= 3; i++) {
                    HttpResponse<String> r = timedPost(app.uri("/pay"), "{\"amount\":42}",
                            "Content-Type", "application/json");
                    assertEquals(201, r.statusCode(), r.body());
                    assertEquals(Integer.toString(i), r.headers().firstValue("X-Order").orElse(null));
                    assertNull(r.headers().firstValue(DoubleSubmitFilter.REPLAYED_HEADER).orElse(null));
                }
                HttpResponse<String> keyed = timedPost(app.uri("/pay"), "{\"amount\":42}",
                        "Idempotency-Key", "k-1");
                assertEquals(201, keyed.statusCode(), keyed.body());
                assertEquals(4, servlet.runs());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aRedisThatAcceptsButNeverAnswersIsWaitedOnOnlyForBackendTimeout(TestApp.Kind kind) throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.pause(); // its port accepts connections; nothing answers
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = kind.builder().filter(guard(redis, "onBackendFailure", "allow")).servlet("/*", servlet)
                    .start()) {
                for (int i = 1; i <= 2; i++) {
                    HttpResponse<String> r = timedPost(app.uri("/pay"), "{\"amount\":42}",
                            "Content-Type", "application/json");
                    assertEquals(201, r.statusCode(), r.body());
                }
                assertEquals(2, servlet.runs());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void withDenyAGuardedPostGets503ProblemWithRetryAfterAndNeverReachesTheServlet(TestApp.Kind kind)
            throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop();
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = kind.builder().filter(guard(redis, "onBackendFailure", "deny"))
                    .servlet("/*", servlet).start()) {
                for (int i = 0; i < 2; i++) {
                    HttpResponse<String> r = timedPost(app.uri("/pay"), "{\"amount\":42}",
                            "Content-Type", "application/json");
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(null));
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                    JsonNode problem = JSON.readTree(r.body());
                    assertEquals("Service Unavailable", problem.get("title").asText());
                    assertEquals(503, problem.get("status").asInt());
                }
                assertEquals(0, servlet.runs());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void withDenyRequestsTheFilterDoesNotGuardStillReachTheServlet(TestApp.Kind kind) throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop();
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = kind.builder().filter(guard(redis, "onBackendFailure", "deny", "exclude", "/search/*"))
                    .servlet("/*", servlet).start()) {
                assertEquals(201, Http.get(app.uri("/pay")).statusCode());
                assertEquals(201, post(app.uri("/search/q"), "q=x").statusCode());
                assertEquals(2, servlet.runs());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void onceRedisIsBackIdenticalPostsAreGuardedAgain(TestApp.Kind kind) throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop();
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = kind.builder().filter(guard(redis, "onBackendFailure", "allow")).servlet("/*", servlet)
                    .start()) {
                String probe = "{\"probe\":true}";
                assertEquals(201, post(app.uri("/pay"), probe).statusCode());
                assertEquals(201, post(app.uri("/pay"), probe).statusCode()); // unguarded: both ran
                assertEquals(2, servlet.runs());

                redis.start(); // same port, empty
                // the same probe runs until Redis answers; then one run is recorded and its repeat is a duplicate
                HttpResponse<String> duplicate = Conditions.await(() -> post(app.uri("/pay"), probe),
                        r -> r.statusCode() == 409, Duration.ofSeconds(15));
                assertEquals("Duplicate submission", JSON.readTree(duplicate.body()).get("title").asText());

                int before = servlet.runs();
                String order = "{\"order\":\"after-recovery\",\"amount\":42}";
                HttpResponse<String> first = post(app.uri("/pay"), order, "Content-Type", "application/json");
                assertEquals(201, first.statusCode(), first.body());
                HttpResponse<String> repeat = post(app.uri("/pay"), order, "Content-Type", "application/json");
                assertEquals(409, repeat.statusCode(), repeat.body());
                assertEquals("application/problem+json", repeat.headers().firstValue("Content-Type").orElse(null));
                assertEquals("Duplicate submission", JSON.readTree(repeat.body()).get("title").asText());
                assertEquals(before + 1, servlet.runs());
            }
        }
    }
}
