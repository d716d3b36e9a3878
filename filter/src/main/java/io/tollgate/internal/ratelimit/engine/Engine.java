package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.RateLimiter;

import java.util.concurrent.CompletionStage;

/**
 * One way of keeping limits in Redis (one {@link io.tollgate.Algorithm}): it decides and gives back as every
 * {@link RateLimiter} does, and prepares itself at start-up. {@link Engines} finds an engine by its
 * algorithm in a catalog and knows nothing else of it.
 */
public interface Engine extends RateLimiter {

    /**
     * Makes the first request cheap: loads the engine's scripts into Redis (so no request meets a
     * {@code NOSCRIPT}), or makes the client connect. Called once at start-up, within backendTimeout.
     */
    CompletionStage<?> prepare();
}
