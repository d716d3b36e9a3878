package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client-chosen key ({@code header:}, {@code param:}) mints a budget per value; the documented setup pairs
 * it with a per-IP rule, so guessing keys is bounded by the address's budget.
 */
@ExtendWith(RedisExtension.class)
class KeyGuessingTest {

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void twoHundredRandomKeysGetNoMoreThanTheAddresssBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet servlet = new CountingServlet();
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("rules", "classpath:rules/api-key-and-ip.json");
        try (TestApp app = kind.builder().filter(filter).servlet("/*", servlet).start(); Resp resp = redis.connect()) {
            int admitted = 0;
            for (int i = 0; i < 200; i++) {
                admitted += Http.get(app.uri("/api/orders"), "X-Api-Key", UUID.randomUUID().toString())
                        .statusCode() == 200 ? 1 : 0;
            }
            assertEquals(5, admitted);
            assertEquals(5, servlet.hits());
            // a known key keeps its own, smaller budget from another address
            assertEquals(200, Http.get(app.uriV6("/api/orders"), "X-Api-Key", "k1").statusCode());
            assertEquals(200, Http.get(app.uriV6("/api/orders"), "X-Api-Key", "k1").statusCode());
            assertEquals(429, Http.get(app.uriV6("/api/orders"), "X-Api-Key", "k1").statusCode());
            // and Redis keeps a log only for the keys admitted (the permits of rejected ones are given back)
            Conditions.await(() -> resp.keys(prefix + "rl:{per-key:*").size(), n -> n == 6, Duration.ofSeconds(5));
        }
    }

    @org.junit.jupiter.api.Test
    void aHeaderKeyAloneMintsABudgetPerValue(RedisServer redis) throws Exception {
        // why the docs pair every client-chosen key with an address rule: alone, each value is a new budget
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(RateLimitApps.limiter(redis, "limits", "2/1m",
                "key", "header:X-Api-Key").param("keyPrefix", prefix)).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            for (int i = 0; i < 200; i++) {
                Http.get(app.uri("/api/orders"), "X-Api-Key", UUID.randomUUID().toString());
            }
            assertEquals(200, servlet.hits());
            assertEquals(200, resp.keys(prefix + "rl:*").size());
        }
    }
}
