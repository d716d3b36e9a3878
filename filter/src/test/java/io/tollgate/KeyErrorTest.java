package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An error tied to one key ({@code WRONGTYPE}: the key holds a value of another type) fails that client's
 * requests alone: they take the fallback ({@code allow} here, so they show no rate-limit headers), every
 * other client keeps its protection and headers, and the filter stays {@code UP}.
 */
@ExtendWith(RedisExtension.class)
class KeyErrorTest {

    /** Replaces the one key written so far under {@code prefix} with a string. */
    static String poison(RedisServer redis, String prefix, String suffix) throws Exception {
        try (Resp resp = redis.connect()) {
            // written after the response (a completion record), so waited for
            List<String> keys = Conditions.await(() -> resp.keys(prefix + "*" + suffix), k -> !k.isEmpty(),
                    Duration.ofSeconds(5));
            assertEquals(1, keys.size(), keys.toString());
            resp.call("DEL", keys.get(0));
            resp.call("SET", keys.get(0), "not what Tollgate wrote");
            return keys.get(0);
        }
    }

    @Test
    void wrongTypeOnOneClientsKeyLeavesOtherClientsLimited(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", redis.url()).param("keyPrefix", prefix).param("limits", "3/1m")
                .param("key", "header:X-Client").param("onBackendFailure", "allow"))
                .servlet("/*", new CountingServlet()).start()) {
            assertEquals(200, Http.get(app.uri("/"), "X-Client", "poisoned").statusCode());
            poison(redis, prefix, "");
            for (int client = 0; client < 5; client++) {
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> p = Http.get(app.uri("/"), "X-Client", "poisoned");
                    assertEquals(200, p.statusCode());
                    assertTrue(p.headers().firstValue("RateLimit").isEmpty(), "the poisoned client fell back alone");
                    HttpResponse<String> other = Http.get(app.uri("/"), "X-Client", "other-" + client);
                    assertEquals(200, other.statusCode());
                    assertTrue(other.headers().firstValue("RateLimit").isPresent());
                }
                HttpResponse<String> over = Http.get(app.uri("/"), "X-Client", "other-" + client);
                assertEquals(429, over.statusCode());
                assertTrue(over.headers().firstValue("Retry-After").isPresent());
            }
            assertEquals("UP", OutageTest.backendState("RateLimitFilter", "api"));
        }
    }

    @Test
    void wrongTypeOnOneSubmissionsLockLeavesOtherSubmissionsGuarded(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(FilterSpec.of("orders", DoubleSubmitFilter.class)
                .param("redisAddress", redis.url()).param("keyPrefix", prefix).param("onBackendFailure", "allow"))
                .servlet("/*", servlet).start()) {
            assertEquals(201, Http.post(app.uri("/pay"), "{\"poisoned\":1}").statusCode());
            String done = poison(redis, prefix, ":done");
            try (Resp resp = redis.connect()) {
                resp.call("DEL", done);
                // its lock key now holds a string: Redisson's lock script fails with WRONGTYPE
                resp.call("SET", done.substring(0, done.length() - ":done".length()) + ":lock", "x");
            }
            for (int i = 0; i < 5; i++) {
                int before = servlet.runs();
                assertEquals(201, Http.post(app.uri("/pay"), "{\"poisoned\":1}").statusCode()); // fell back alone
                assertEquals(201, Http.post(app.uri("/pay"), "{\"other\":" + i + "}").statusCode());
                assertEquals(409, Http.post(app.uri("/pay"), "{\"other\":" + i + "}").statusCode());
                assertEquals(before + 2, servlet.runs());
            }
            assertEquals("UP", OutageTest.backendState("DoubleSubmitFilter", "orders"));
        }
    }
}
