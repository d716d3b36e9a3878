package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** An application's own RedissonClient, lent through the context attribute, is used and never shut down. */
@ExtendWith(RedisExtension.class)
class SharedClientTest {

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void theApplicationsClientIsUsedAndLeftRunning(TestApp.Kind kind, RedisServer redis) throws Exception {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient own = Redisson.create(config);
        try {
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                    // nothing listens here: only the lent client can reach Redis
                    .param("redisAddress", "redis://127.0.0.1:1")
                    .param("keyPrefix", RedisExtension.uniquePrefix()).param("limits", "1/1m");
            try (TestApp app = kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, own).filter(filter)
                    .servlet("/*", new CountingServlet()).start()) {
                assertEquals(200, Http.get(app.uri("/")).statusCode());
                assertEquals(429, Http.get(app.uri("/")).statusCode());
            }
            assertFalse(own.isShutdown());
            assertEquals("PONG", own.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance()
                    .ping() ? "PONG" : "no answer");
        } finally {
            own.shutdown();
        }
    }
}
