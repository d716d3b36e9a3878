package io.tollgate.outbound;

import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A chain of two providers falls back on each of the three causes and says who answered. */
@ExtendWith(RedisExtension.class)
class ProviderChainTest {

    private RedissonClient client;
    private OutboundLimiter alpha;
    private OutboundLimiter beta;

    @BeforeEach
    void limiters(RedisServer redis) {
        client = OutboundLimiterTest.client(redis);
        String prefix = RedisExtension.uniquePrefix();
        alpha = OutboundLimiter.builder("alpha", "2/1m").redisson(client).keyPrefix(prefix).build();
        beta = OutboundLimiter.builder("beta", "100/1m").redisson(client).keyPrefix(prefix).build();
    }

    @AfterEach
    void close() {
        alpha.close();
        beta.close();
        client.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void spillsToTheSecondProviderWhenTheFirstIsOutOfPermits() throws Exception {
        ProviderChain<String> chain = ProviderChain.<String>builder()
                .provider("alpha", alpha, () -> "from alpha")
                .provider("beta", beta, () -> "from beta")
                .build();
        assertEquals("alpha", chain.call().provider());
        assertEquals("alpha", chain.call().provider());
        ProviderChain.Answer<String> third = chain.call();
        assertEquals("beta", third.provider());
        assertEquals("from beta", third.value());
        assertEquals(ProviderChain.Reason.NO_PERMIT, third.skipped().get(0).reason());
        assertEquals("alpha: no permit (alpha 2/1m)", third.skipped().get(0).toString());
    }

    @Test
    void fallsBackWhenTheCallThrows() throws Exception {
        ProviderChain<String> chain = ProviderChain.<String>builder()
                .provider("alpha", alpha, () -> {
                    throw new IOException("connection reset");
                })
                .provider("beta", beta, () -> "from beta")
                .build();
        ProviderChain.Answer<String> answer = chain.call();
        assertEquals("beta", answer.provider());
        assertEquals(ProviderChain.Reason.EXCEPTION, answer.skipped().get(0).reason());
        assertTrue(answer.skipped().get(0).cause() instanceof IOException);
    }

    @Test
    void fallsBackWhenTheAnswerIsRejected() throws Exception {
        ProviderChain<Integer> chain = ProviderChain.<Integer>builder()
                .provider("alpha", alpha, () -> 503)
                .provider("beta", beta, () -> 200)
                .accept(status -> status == 200)
                .build();
        ProviderChain.Answer<Integer> answer = chain.call();
        assertEquals("beta", answer.provider());
        assertEquals(200, answer.value());
        assertEquals(ProviderChain.Reason.REJECTED, answer.skipped().get(0).reason());
    }

    @Test
    void aProviderWhoseRedisFailsUnderDenyIsSkippedAsUnavailable() throws Exception {
        try (RedisServer own = RedisServer.startNew()) {
            RedissonClient other = OutboundLimiterTest.client(own);
            try (OutboundLimiter gamma = OutboundLimiter.builder("gamma", "100/1m").redisson(other)
                    .onBackendFailure("deny").backendTimeout(java.time.Duration.ofMillis(200)).build()) {
                own.pause();
                try {
                    ProviderChain.Answer<String> answer = ProviderChain.<String>builder()
                            .provider("gamma", gamma, () -> "from gamma")
                            .provider("beta", beta, () -> "from beta")
                            .build().call();
                    assertEquals("beta", answer.provider());
                    assertEquals(ProviderChain.Reason.BACKEND_UNAVAILABLE, answer.skipped().get(0).reason());
                } finally {
                    own.resume();
                }
            } finally {
                other.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void whenNoProviderCanTheExceptionNamesEachReason() {
        ProviderChain<Integer> chain = ProviderChain.<Integer>builder()
                .provider("alpha", alpha, () -> 429)
                .provider("beta", beta, () -> {
                    throw new IOException("timeout");
                })
                .accept(status -> status == 200)
                .build();
        ProviderChain.NoProviderException e = assertThrows(ProviderChain.NoProviderException.class, chain::call);
        List<ProviderChain.Failure> failures = e.failures();
        assertEquals(2, failures.size());
        assertEquals(ProviderChain.Reason.REJECTED, failures.get(0).reason());
        assertEquals(ProviderChain.Reason.EXCEPTION, failures.get(1).reason());
        assertEquals("No provider answered: [alpha: answer not accepted: 429, beta: threw java.io.IOException: timeout]",
                e.getMessage());
    }
}
