package io.tollgate.outbound;

import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder checks what it is given with the filters' rules and messages; waits never overflow. */
@ExtendWith(RedisExtension.class)
class OutboundLimiterBuilderTest {

    private RedissonClient client;

    @AfterEach
    void shutdown() {
        if (client != null) {
            client.shutdown();
        }
    }

    private OutboundLimiter.Builder builder(RedisServer redis) {
        if (client == null) {
            client = OutboundLimiterTest.client(redis);
        }
        return OutboundLimiter.builder("game-api", "5/1s").redisson(client).keyPrefix(RedisExtension.uniquePrefix());
    }

    private static String error(org.junit.jupiter.api.function.Executable build) {
        return assertThrows(IllegalArgumentException.class, build).getMessage();
    }

    @Test
    void aBackendTimeoutOfZeroOrLessIsRefused(RedisServer redis) {
        assertEquals("backendTimeout [PT0S] must be longer than zero",
                error(() -> builder(redis).backendTimeout(Duration.ZERO).build()));
        assertEquals("backendTimeout [PT-1S] must be longer than zero",
                error(() -> builder(redis).backendTimeout(Duration.ofSeconds(-1)).build()));
        assertEquals("backendTimeout [PT5M] must be at most 1m: every request may wait this long",
                error(() -> builder(redis).backendTimeout(Duration.ofMinutes(5)).build()));
    }

    @Test
    void aKeyPrefixWithBracesOrTooLongIsRefused(RedisServer redis) {
        assertEquals("keyPrefix [app{1}:] must not contain { or } (Tollgate puts its own hash tags in keys)",
                error(() -> builder(redis).keyPrefix("app{1}:").build()));
        String longPrefix = "p".repeat(65);
        assertEquals("keyPrefix [" + longPrefix + "] must be at most 64 characters",
                error(() -> builder(redis).keyPrefix(longPrefix).build()));
    }

    @Test
    void aNullClientOrContextIsRefusedAtOnce() {
        assertEquals("OutboundLimiter [game-api] redisson(client): the client must not be null",
                error(() -> OutboundLimiter.builder("game-api", "5/1s").redisson(null)));
        assertEquals("OutboundLimiter [game-api] servletContext(context): the context must not be null",
                error(() -> OutboundLimiter.builder("game-api", "5/1s").servletContext(null)));
    }

    @Test
    void anEndlessWaitDoesNotOverflow(RedisServer redis) throws Exception {
        try (OutboundLimiter limiter = builder(redis).build()) {
            limiter.acquire(Duration.ofSeconds(Long.MAX_VALUE)); // a permit is free: it returns at once
            assertTrue(limiter.call(() -> true, Duration.ofSeconds(Long.MAX_VALUE)));
            // a negative timeout waits for nothing: with the budget spent it times out at once
            for (int i = 0; i < 3; i++) {
                limiter.tryAcquire();
            }
            assertThrows(PermitTimeoutException.class, () -> limiter.acquire(Duration.ofSeconds(-1)));
        }
    }
}
