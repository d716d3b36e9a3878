package io.tollgate.internal.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process memory of rejections stays O(1) amortised when full (issue 19, item 13). */
class RejectionMemoryTest {

    private static final List<Limit> LIMITS = List.of(new Limit(1, Duration.ofHours(1)));

    /** Rejects every key for an hour, exactly. */
    private static final class RejectingRedis implements RateLimiter {
        final AtomicLong calls = new AtomicLong();

        @Override
        public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture(RateDecision.of(false, limits, new long[] {0},
                    new long[] {3_600_000}, key));
        }

        @Override
        public CompletionStage<Void> release(RateDecision decision) {
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void tenThousandRandomKeysDoNotMakeEveryLaterRejectionSweepAFullTable() {
        RejectingRedis redis = new RejectingRedis();
        AtomicLong now = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        // every sweep of the table reads the clock once, as does each question (twice: asked, recalled)
        RejectionMemory memory = new RejectionMemory(redis, () -> {
            reads.incrementAndGet();
            return now.get();
        }, 1000);
        for (int i = 0; i < 10_000; i++) {
            memory.tryAcquire("client-" + i, LIMITS).toCompletableFuture().join();
            now.addAndGet(1_000_000); // 1 ms: none of the hour-long rejections expires
        }
        // full of live rejections: a sweep frees a quarter, so 9,000 new keys cost at most 36 sweeps, not 9,000
        long sweeps = reads.get() - 2 * 10_000;
        System.out.println("RejectionMemoryTest: 10,000 keys into a table of 1,000 swept it " + sweeps + " times");
        assertTrue(sweeps <= 40, sweeps + " sweeps");
        assertTrue(memory.size() <= 1000, memory.size() + " keys");
        // the newest rejection is remembered: its repeat costs Redis nothing
        long calls = redis.calls.get();
        assertEquals(false, memory.tryAcquire("client-9999", LIMITS).toCompletableFuture().join().admitted());
        assertEquals(calls, redis.calls.get());
    }
}
