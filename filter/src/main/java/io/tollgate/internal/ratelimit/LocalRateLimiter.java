package io.tollgate.internal.ratelimit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The in-process limiter of {@code onBackendFailure=local}: while Redis is unreachable, each app instance
 * enforces the same limits on its own (so N instances together admit up to N times the limit). Each limit
 * of a key is a sliding-window counter (two counts: constant memory), and at most {@link #MAX_KEYS} keys
 * are kept, the least recently used dropped first: an outage under a flood of distinct clients cannot
 * exhaust the heap.
 */
public final class LocalRateLimiter implements RateLimiter {

    /** Most client keys remembered (about 100 bytes each with one limit). */
    public static final int MAX_KEYS = 100_000;

    private final LongSupplier clockMillis;
    private final int maxKeys;
    private final Map<String, long[][]> keys;

    public LocalRateLimiter() {
        this(System::currentTimeMillis, MAX_KEYS);
    }

    LocalRateLimiter(LongSupplier clockMillis, int maxKeys) {
        this.clockMillis = clockMillis;
        this.maxKeys = maxKeys;
        this.keys = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[][]> eldest) {
                return size() > LocalRateLimiter.this.maxKeys;
            }
        };
    }

    /** Keys remembered now. */
    synchronized int size() {
        return keys.size();
    }

    @Override
    public synchronized CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        long now = clockMillis.getAsLong();
        int n = limits.size();
        // per limit: {window start, count in the previous window, count in this window}
        long[][] state = keys.computeIfAbsent(key, k -> new long[n][3]);
        if (state.length != n) {
            state = new long[n][3];
            keys.put(key, state);
        }
        long[] remaining = new long[n];
        long[] wait = new long[n];
        boolean admitted = true;
        double[] estimate = new double[n];
        for (int i = 0; i < n; i++) {
            long period = limits.get(i).period().toMillis();
            long count = limits.get(i).count();
            long[] w = state[i];
            long start = now - Math.floorMod(now, period);
            if (w[0] != start) {
                w[1] = w[0] + period == start ? w[2] : 0;
                w[2] = 0;
                w[0] = start;
            }
            long elapsed = now - start;
            estimate[i] = w[1] * (double) (period - elapsed) / period + w[2];
            if (estimate[i] + 1 > count) {
                admitted = false;
                wait[i] = waitFor(count, w[1], w[2], elapsed, period);
            } else {
                wait[i] = period - elapsed;
            }
        }
        for (int i = 0; i < n; i++) {
            long count = limits.get(i).count();
            if (admitted) {
                state[i][2]++;
                remaining[i] = Math.max(0, (long) Math.floor(count - estimate[i] - 1));
            } else {
                remaining[i] = estimate[i] + 1 > count ? 0 : Math.max(1, (long) Math.floor(count - estimate[i]));
            }
        }
        return CompletableFuture.completedFuture(new RateDecision(admitted, limits, remaining, wait, key, null));
    }

    /** Milliseconds until the estimate leaves room for one more request. */
    static long waitFor(long count, long previous, long current, long elapsed, long period) {
        if (current <= count - 1) {
            // the previous window's weight fades until there is room
            double t = period * (1 - (double) (count - 1 - current) / previous) - elapsed;
            return Math.max(1, (long) Math.ceil(t));
        }
        // this window alone is full: wait for it to become the previous one, then for it to fade
        double t = (period - elapsed) + period * (1 - (double) (count - 1) / current);
        return Math.max(1, (long) Math.ceil(t));
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        return CompletableFuture.completedFuture(null); // local decisions are approximate; nothing to give back
    }
}
