package io.tollgate.internal.ratelimit;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Remembers, in process, the keys Redis just rejected: once Redis says a key must wait {@code t}, its
 * further requests within {@code t} are rejected at once, with the right {@code Retry-After}, without
 * asking Redis. A client flooding far over its limit then costs Redis one call per {@code t}, not one
 * per request.
 *
 * <p>It only rejects what Redis would reject: the wait is counted from the moment the question was sent
 * (Redis's clock read the decision's time later than that), and a rejection admits nothing. At most
 * {@link #MAX_KEYS} keys are remembered; past that, expired ones are dropped and then others, until a quarter
 * of the table is free (a forgotten rejection is asked of Redis again).
 */
public final class RejectionMemory implements RateLimiter {

    /** Most keys remembered at once. */
    public static final int MAX_KEYS = 10_000;

    private static final class Remembered {
        final RateDecision decision;
        final long sentNanos;
        final long untilNanos;

        Remembered(RateDecision decision, long sentNanos, long untilNanos) {
            this.decision = decision;
            this.sentNanos = sentNanos;
            this.untilNanos = untilNanos;
        }
    }

    private final RateLimiter redis;
    private final LongSupplier nanoClock;
    private final int maxKeys;
    private final Map<String, Remembered> rejected = new ConcurrentHashMap<>();

    public RejectionMemory(RateLimiter redis) {
        this(redis, System::nanoTime, MAX_KEYS);
    }

    RejectionMemory(RateLimiter redis, LongSupplier nanoClock, int maxKeys) {
        this.redis = redis;
        this.nanoClock = nanoClock;
        this.maxKeys = maxKeys;
    }

    /** The remembered rejection of this key, still in force, or null. Never asks Redis. */
    public RateDecision recall(String key, List<Limit> limits) {
        long now = nanoClock.getAsLong();
        Remembered r = rejected.get(key);
        if (r == null) {
            return null;
        }
        if (now - r.untilNanos < 0 && r.decision.limits().equals(limits)) {
            return r.decision.later(TimeUnit.NANOSECONDS.toMillis(now - r.sentNanos));
        }
        rejected.remove(key, r);
        return null;
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        long now = nanoClock.getAsLong();
        RateDecision remembered = recall(key, limits);
        if (remembered != null) {
            return CompletableFuture.completedFuture(remembered);
        }
        return redis.tryAcquire(key, limits).thenApply(decision -> {
            if (!decision.admitted()) {
                remember(key, decision, now);
            }
            return decision;
        });
    }

    private void remember(String key, RateDecision decision, long sentNanos) {
        long wait = decision.retryAfterMillis();
        // an upper bound would reject requests Redis might admit; so would the wait for more than one permit
        if (wait <= 0 || !decision.exactWait() || decision.cost() != 1) {
            return;
        }
        if (rejected.size() >= maxKeys) {
            makeRoom();
        }
        rejected.put(key, new Remembered(decision, sentNanos, sentNanos + TimeUnit.MILLISECONDS.toNanos(wait)));
    }

    /**
     * Drops the expired rejections, then others until a quarter of the table is free: one sweep of the table
     * per quarter of it filled, so a table full of live keys costs O(1) per new key, not a sweep each.
     * Forgetting a rejection costs one Redis call, never a wrong answer.
     */
    private void makeRoom() {
        long now = nanoClock.getAsLong();
        int target = maxKeys - Math.max(1, maxKeys / 4);
        for (Iterator<Remembered> it = rejected.values().iterator(); it.hasNext(); ) {
            if (now - it.next().untilNanos >= 0) {
                it.remove();
            }
        }
        for (Iterator<Remembered> it = rejected.values().iterator(); it.hasNext() && rejected.size() > target; ) {
            it.next();
            it.remove();
        }
    }

    /** Keys remembered now (expired ones included until they are met or swept). */
    int size() {
        return rejected.size();
    }

    @Override
    public CompletionStage<RateDecision> tryAcquireAlone(String key, List<Limit> limits) {
        long now = nanoClock.getAsLong();
        RateDecision remembered = recall(key, limits);
        if (remembered != null) {
            return CompletableFuture.completedFuture(remembered);
        }
        return redis.tryAcquireAlone(key, limits).thenApply(decision -> {
            if (!decision.admitted()) {
                remember(key, decision, now);
            }
            return decision;
        });
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        return redis.release(decision);
    }
}
