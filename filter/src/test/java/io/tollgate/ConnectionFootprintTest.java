package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How many Redis connections one webapp keeps open (docs/deployment.md reports these figures): a Redis of
 * its own per test, so CLIENT LIST counts only this webapp's client.
 */
class ConnectionFootprintTest {

    @Test
    void aWebappWithBothFiltersKeepsRedissonsDefaultPoolOpen() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); TestApp app = bothFilters(redis, null)) {
            use(app);
            assertEquals(25, redis.otherClients(), "connections of the webapp: 24 + 1 for pub/sub");
        }
    }

    @Test
    void aRedissonConfigStatingASmallerPoolKeepsThatMany() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path yaml = Files.createTempFile("redisson-", ".yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                    + "  connectionMinimumIdleSize: 4\n");
            try (TestApp app = bothFilters(redis, "file:" + yaml)) {
                use(app);
                assertEquals(5, redis.otherClients(), "connections of the webapp: 4 + 1 for pub/sub");
            } finally {
                Files.delete(yaml);
            }
        }
    }

    private static TestApp bothFilters(RedisServer redis, String redissonConfig) throws Exception {
        TestApp.Builder builder = TestApp.Kind.JETTY.builder()
                .contextParam("tollgate.redisAddress", redis.url())
                .filter(FilterSpec.of("api", RateLimitFilter.class).param("limits", "100/1m"))
                .filter(FilterSpec.of("orders", DoubleSubmitFilter.class))
                .servlet("/*", new CountingServlet());
        if (redissonConfig != null) {
            builder.contextParam("tollgate.redissonConfig", redissonConfig);
        }
        return builder.start();
    }

    /** A limited GET and a guarded POST: every kind of call the filters make. */
    private static void use(TestApp app) throws Exception {
        assertEquals(200, Http.get(app.uri("/a")).statusCode());
        assertEquals(200, Http.post(app.uri("/b"), "{}", "Content-Type", "text/plain").statusCode());
    }
}
