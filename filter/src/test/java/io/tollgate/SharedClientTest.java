package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.BaseCodec;
import org.redisson.client.protocol.Decoder;
import org.redisson.client.protocol.Encoder;
import org.redisson.config.Config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A RedissonClient the host provides (here the application's, lent through the context attribute) is used as
 * it is: never shut down, its codec never used, and never combined with another source of a client.
 */
@ExtendWith(RedisExtension.class)
class SharedClientTest {

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void theApplicationsClientIsUsedAndLeftRunning(TestApp.Kind kind, RedisServer redis) throws Exception {
        RedissonClient own = client(redis, false);
        try {
            // no redisAddress: the default (127.0.0.1:6379) is not this test's Redis, only the lent client is
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                    .param("keyPrefix", RedisExtension.uniquePrefix()).param("limits", "1/1m");
            try (TestApp app = kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, own).filter(filter)
                    .servlet("/*", new CountingServlet()).start()) {
                assertEquals(200, Http.get(app.uri("/")).statusCode());
                assertEquals(429, Http.get(app.uri("/")).statusCode());
            }
            assertFalse(own.isShutdown());
            assertTrue(own.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE).getInstance().ping());
        } finally {
            own.shutdown();
        }
    }

    /**
     * Every call Tollgate makes names its own codec: a host client whose default codec fails on every use
     * (an application's JSON or Kryo codec, say) serves all three engines and the double-submit guard.
     */
    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void theHostClientsCodecIsNeverUsed(TestApp.Kind kind, RedisServer redis) throws Exception {
        RedissonClient own = client(redis, true);
        try {
            String prefix = RedisExtension.uniquePrefix();
            TestApp.Builder app = kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, own)
                    .contextParam("tollgate.keyPrefix", prefix)
                    .contextParam("tollgate.onBackendFailure", "deny");
            for (String algorithm : new String[] {"sliding-log", "token-bucket", "rratelimiter"}) {
                app.filter(FilterSpec.of(algorithm, RateLimitFilter.class).urlPattern("/" + algorithm + "/*")
                        .param("algorithm", algorithm).param("limits", "2/1m"));
            }
            app.filter(FilterSpec.of("orders", DoubleSubmitFilter.class).urlPattern("/orders/*").param("mode", "replay"));
            try (TestApp started = app.servlet("/*", new CountingServlet()).start()) {
                for (String algorithm : new String[] {"sliding-log", "token-bucket", "rratelimiter"}) {
                    assertEquals(200, Http.get(started.uri("/" + algorithm + "/a")).statusCode(), algorithm);
                    assertEquals(200, Http.get(started.uri("/" + algorithm + "/a")).statusCode(), algorithm);
                    assertEquals(429, Http.get(started.uri("/" + algorithm + "/a")).statusCode(), algorithm);
                }
                var first = Http.post(started.uri("/orders/pay"), "{\"n\":1}", "Content-Type", "application/json");
                assertEquals(200, first.statusCode(), first.body());
                var repeat = Http.post(started.uri("/orders/pay"), "{\"n\":1}", "Content-Type", "application/json");
                assertEquals(200, repeat.statusCode(), repeat.body());
                assertEquals("true", repeat.headers().firstValue("Idempotent-Replayed").orElse(""));
            }
            assertFalse(own.isShutdown());
        } finally {
            own.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aHostClientTogetherWithAnotherSourceFailsTheStartNamingBoth(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        RedissonClient own = client(redis, false);
        try {
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("limits", "1/1m");
            TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class, () -> kind.builder()
                    .contextAttribute(Tollgate.REDISSON_ATTRIBUTE, own)
                    .contextParam("tollgate.redisAddress", "redis://user:secret@127.0.0.1:1")
                    .filter(filter).servlet("/*", new CountingServlet()).start());
            assertEquals("Tollgate was given several Redis clients: context attribute [io.tollgate.redisson],"
                    + " context-param [tollgate.redisAddress] was [redis://user:***@127.0.0.1:1]. Keep exactly one:"
                    + " a client the host provides (the context attribute or redissonJndiName) is used as it is, so"
                    + " redisAddress and redissonConfig cannot apply to it (filter [api])", failure.getMessage());
            assertFalse(own.isShutdown());
        } finally {
            own.shutdown();
        }
    }

    @Test
    void aJndiNameTogetherWithARedissonConfigFailsTheStartNamingBoth() {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("limits", "1/1m")
                .param("redissonJndiName", "java:comp/env/redisson/shared");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class, () -> TestApp.Kind.JETTY.builder()
                .contextParam("tollgate.redissonConfig", "/WEB-INF/redisson.yaml")
                .filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("Tollgate was given several Redis clients: init-param [redissonJndiName] was"
                + " [java:comp/env/redisson/shared], context-param [tollgate.redissonConfig] was [/WEB-INF/redisson.yaml]."
                + " Keep exactly one: a client the host provides (the context attribute or redissonJndiName) is used"
                + " as it is, so redisAddress and redissonConfig cannot apply to it (filter [api])", failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aJndiNameBoundToNothingFailsTheStartNamingIt(TestApp.Kind kind) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("limits", "1/1m")
                .param("redissonJndiName", "redisson/none");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class, () -> kind.builder()
                .filter(filter).servlet("/*", new CountingServlet()).start());
        assertTrue(failure.getMessage().startsWith("JNDI name [java:comp/env/redisson/none] could not be looked up: "),
                failure.getMessage());
        assertTrue(failure.getMessage().endsWith("(filter [api])"), failure.getMessage());
    }

    private static RedissonClient client(RedisServer redis, boolean refusingCodec) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        if (refusingCodec) {
            config.setCodec(new RefusingCodec());
        }
        return Redisson.create(config);
    }

    /** A codec that fails on every use: any call that relies on the client's codec fails with it. */
    static final class RefusingCodec extends BaseCodec {
        private final Encoder encoder = in -> {
            throw new IllegalStateException("Tollgate used the host client's codec to encode " + in);
        };
        private final Decoder<Object> decoder = (ByteBuf buf, org.redisson.client.handler.State state) -> {
            throw new IllegalStateException("Tollgate used the host client's codec to decode");
        };

        @Override
        public Decoder<Object> getValueDecoder() {
            return decoder;
        }

        @Override
        public Encoder getValueEncoder() {
            return encoder;
        }
    }
}
