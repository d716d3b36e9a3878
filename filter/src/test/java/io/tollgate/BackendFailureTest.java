package io.tollgate;

import io.tollgate.testing.Conditions;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Redis that is down at deploy does not stop the webapp; requests follow onBackendFailure, then limits return. */
class BackendFailureTest {

    @Test
    void deploysWithRedisDownAllowsThenEnforcesOnceRedisIsUp() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop(); // nothing listens on its port now
            CountingServlet servlet = new CountingServlet();
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                    .param("limits", "1/1m").param("backendTimeout", "300ms").param("onBackendFailure", "allow");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", servlet).start()) {
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> r = Http.get(app.uri("/"));
                    long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
                    assertEquals(200, r.statusCode());
                    assertNull(r.headers().firstValue("RateLimit").orElse(null));
                    assertTrue(took < 300 + 500, "took " + took + " ms");
                }
                assertEquals(3, servlet.hits());
                redis.start();
                HttpResponse<String> limited = Conditions.await(() -> Http.get(app.uri("/")),
                        r -> r.headers().firstValue("RateLimit").isPresent(), Duration.ofSeconds(10));
                assertEquals(200, limited.statusCode());
                assertEquals(429, Http.get(app.uri("/")).statusCode());
            }
        }
    }

    @Test
    void deploysWithinBackendTimeoutWhenRedisHangsAndAnswersWithinItToo() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.pause(); // accepts connections, answers nothing
            try {
                FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                        .param("limits", "1/1m").param("backendTimeout", "300ms").param("onBackendFailure", "deny");
                long start = System.nanoTime();
                try (TestApp app = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", new CountingServlet())
                        .start()) {
                    long deploy = Duration.ofNanos(System.nanoTime() - start).toMillis();
                    assertTrue(deploy < 300 + 1500, "deployed in " + deploy + " ms");
                    for (int i = 0; i < 3; i++) {
                        long t = System.nanoTime();
                        assertEquals(503, Http.get(app.uri("/")).statusCode());
                        long took = Duration.ofNanos(System.nanoTime() - t).toMillis();
                        assertTrue(took < 300 + 100, "answered in " + took + " ms");
                    }
                }
            } finally {
                redis.resume();
            }
        }
    }

    @Test
    void denyAnswers503ProblemWithRetryAfterWhenRedisIsDown() throws Exception {
        CountingServlet servlet = new CountingServlet();
        // port 1: privileged and outside the ephemeral range, so no test's server can ever be listening there
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", "redis://127.0.0.1:1").param("limits", "1/1m")
                .param("onBackendFailure", "deny").param("backendTimeout", "200ms");
        try (TestApp app = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", servlet).start()) {
            HttpResponse<String> r = Http.get(app.uri("/"));
            assertEquals(503, r.statusCode());
            assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(null));
            assertEquals("Service Unavailable", new ObjectMapper().readTree(r.body()).get("title").asText());
            assertEquals(0, servlet.hits());
        }
    }
}
