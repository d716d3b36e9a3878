package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The in-process limiter of {@code onBackendFailure=local}: while Redis is unreachable, each app instance
 * enforces the same limits on its own (so N instances together admit up to N times the limit). Each limit
 * of a key is a sliding-window counter (two counts: constant memory), a token-bucket limit a bucket with
 * its {@code burst} (one number), and at most {@link #MAX_KEYS} keys
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

    @Override
    public synchronized CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        long now = clockMillis.getAsLong();
        int n = limits.size();
        // per limit: {window start, count in the previous window, count in this window}; a token bucket
        // keeps {theoretical arrival time in microseconds} in the first slot instead
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
            Limit limit = limits.get(i);
            if (limit.algorithm() == Algorithm.TOKEN_BUCKET) {
                admitted &= fits(limit, state[i][0], now);
                continue;
            }
            long period = limit.period().toMillis();
            long count = limit.count();
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
            Limit limit = limits.get(i);
            if (limit.algorithm() == Algorithm.TOKEN_BUCKET) {
                long[] b = bucket(limit, state[i], now, admitted);
                remaining[i] = b[0];
                wait[i] = b[1];
                continue;
            }
            long count = limit.count();
            if (admitted) {
                state[i][2]++;
                remaining[i] = Math.max(0, (long) Math.floor(count - estimate[i] - 1));
            } else {
                remaining[i] = estimate[i] + 1 > count ? 0 : Math.max(1, (long) Math.floor(count - estimate[i]));
            }
        }
        return CompletableFuture.completedFuture(RateDecision.of(admitted, limits, remaining, wait, key));
    }

    /** Microseconds between two tokens of a token bucket. */
    private static long interval(Limit limit) {
        return limit.period().toMillis() * 1000 / limit.count();
    }

    /** A token bucket (GCRA, as token-bucket.lua keeps it): whether one more permit fits now. */
    private static boolean fits(Limit limit, long tat, long nowMillis) {
        long now = nowMillis * 1000;
        long t = interval(limit);
        return Math.max(tat, now) + t - now <= t * limit.burst();
    }

    /**
     * Takes a token bucket's permit when {@code admitted}; answers {tokens left, ms until it has one more
     * (0 when full)}, as token-bucket.lua does.
     */
    private static long[] bucket(Limit limit, long[] w, long nowMillis, boolean admitted) {
        long now = nowMillis * 1000;
        long t = interval(limit);
        long room = t * limit.burst();
        long tat = Math.max(w[0], now);
        if (admitted) {
            tat += t;
            w[0] = tat;
        }
        long ahead = tat - now;
        long remaining = Math.max(0, (room - ahead) / t);
        long wait = ahead <= 0 ? 0 : ahead - room + t * (remaining + 1);
        return new long[] {remaining, (wait + 999) / 1000};
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
