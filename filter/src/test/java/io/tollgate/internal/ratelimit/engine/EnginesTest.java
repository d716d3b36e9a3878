package io.tollgate.internal.ratelimit.engine;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engines is a lookup: an algorithm's engine comes from a catalog, an algorithm without one is an error. */
class EnginesTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void anEngineAddedToTheCatalogIsPreparedAndDecidesAndGivesBackForItsAlgorithm() {
        FixedWindowEngine added = new FixedWindowEngine(now::get);
        Map<Algorithm, Function<org.redisson.api.RedissonClient, Engine>> catalog =
                Map.of(Algorithm.TOKEN_BUCKET, client -> added);
        Engines engines = new Engines(catalog, null, Set.of(Algorithm.TOKEN_BUCKET));
        engines.prepare().toCompletableFuture().join();
        assertEquals(1, added.prepared.get());

        List<Limit> limits = List.of(new Limit(2, Duration.ofSeconds(10), 2, Algorithm.TOKEN_BUCKET));
        RateDecision first = engines.tryAcquire("k", limits).toCompletableFuture().join();
        RateDecision second = engines.tryAcquire("k", limits).toCompletableFuture().join();
        RateDecision third = engines.tryAcquire("k", limits).toCompletableFuture().join();
        assertTrue(first.admitted());
        assertEquals(0, second.remaining(0));
        assertFalse(third.admitted());
        engines.release(second).toCompletableFuture().join();
        assertEquals(1, added.released.get());
        assertTrue(engines.tryAcquire("k", limits).toCompletableFuture().join().admitted());
    }

    @Test
    void anAlgorithmWithoutAnEngineFailsWhenTheFilterStartsNeverFallsToAnother() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Engines(
                Map.of(Algorithm.SLIDING_LOG, client -> new FixedWindowEngine(now::get)), null,
                EnumSet.of(Algorithm.SLIDING_LOG, Algorithm.RRATELIMITER)));
        assertEquals("no rate-limit engine for algorithm [rratelimiter]", e.getMessage());
    }

    @Test
    void tollgatesCatalogHasAnEngineForEveryAlgorithm() {
        assertEquals(EnumSet.allOf(Algorithm.class), Engines.CATALOG.keySet());
    }
}
