package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * An engine added as architecture.md describes ("Where to add things"), outside Tollgate's own sources: it
 * implements {@link Engine} and nothing else, and {@link Engines} takes it from a catalog. A fixed window
 * per key in memory, enough to tell its answers from every real engine's.
 */
final class FixedWindowEngine implements Engine {

    final AtomicInteger prepared = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();
    private final LongSupplier clockMillis;
    /** Per key: {window start, permits taken in it} of the shortest limit. */
    private final Map<String, long[]> windows = new ConcurrentHashMap<>();

    FixedWindowEngine(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    @Override
    public CompletionStage<?> prepare() {
        prepared.incrementAndGet();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        Limit limit = limits.get(0);
        long period = limit.period().toMillis();
        long now = clockMillis.getAsLong();
        long start = now - Math.floorMod(now, period);
        long[] w = windows.computeIfAbsent(key, k -> new long[] {start, 0});
        if (w[0] != start) {
            w[0] = start;
            w[1] = 0;
        }
        boolean admitted = w[1] < limit.count();
        if (admitted) {
            w[1]++;
        }
        long[] remaining = new long[limits.size()];
        long[] wait = new long[limits.size()];
        remaining[0] = limit.count() - w[1];
        wait[0] = admitted ? 0 : start + period - now;
        return CompletableFuture.completedFuture(RateDecision.of(admitted, limits, remaining, wait, key)
                .withPermit(admitted ? key : null));
    }

    @Override
    public synchronized CompletionStage<Void> release(RateDecision decision) {
        if (decision.admitted() && decision.permitId() != null) {
            released.incrementAndGet();
            windows.get(decision.key())[1]--;
        }
        return CompletableFuture.completedFuture(null);
    }
}
