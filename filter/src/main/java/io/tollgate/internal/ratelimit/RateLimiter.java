package io.tollgate.internal.ratelimit;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a request may spend one permit of every limit of a policy for one client key, and
 * reports what is left. Knows nothing of servlets.
 */
public interface RateLimiter {

    /**
     * Takes one permit from every limit for {@code key}, or none when any limit has none left.
     *
     * @param key    the client's budget inside its policy (already hashed, safe as part of a Redis key)
     * @param limits the policy's limits, shortest period first
     */
    CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits);

    /**
     * As {@link #tryAcquire}, in a call of its own, never combined with other requests' (a request that spends
     * on several keys at once is combined with no one: see {@code HotKeyCombiner}).
     */
    default CompletionStage<RateDecision> tryAcquireAlone(String key, List<Limit> limits) {
        return tryAcquire(key, limits);
    }

    /** Gives back the permits an admitted decision took (another policy rejected the same request). */
    CompletionStage<Void> release(RateDecision decision);
}
