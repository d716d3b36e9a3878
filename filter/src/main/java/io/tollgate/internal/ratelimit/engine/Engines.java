package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Algorithm;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.ratelimit.RedisRateLimiter;

import org.redisson.api.RedissonClient;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The one limiter a filter asks: each request goes to the engine its limits' {@link Algorithm} names. */
public final class Engines implements RateLimiter {

    private final Map<Algorithm, RateLimiter> engines = new EnumMap<>(Algorithm.class);

    /** Engines for the algorithms in {@code used} (only those get their scripts loaded). */
    public Engines(RedissonClient client, Collection<Algorithm> used) {
        for (Algorithm a : used) {
            engines.computeIfAbsent(a, x -> create(x, client));
        }
    }

    private static RateLimiter create(Algorithm algorithm, RedissonClient client) {
        switch (algorithm) {
            case TOKEN_BUCKET:
                return new TokenBucketEngine(client);
            case RRATELIMITER:
                return new RRateLimiterEngine(client);
            default:
                return new RedisRateLimiter(client);
        }
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        return engine(limits).tryAcquire(key, limits);
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        return engine(decision.limits()).release(decision);
    }

    /** Loads the engines' scripts into Redis (connecting the client): saves a NOSCRIPT on the first request. */
    public CompletionStage<Void> loadScripts() {
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (RateLimiter engine : engines.values()) {
            if (engine instanceof RedisRateLimiter) {
                loads.add(((RedisRateLimiter) engine).loadScript().toCompletableFuture());
            } else if (engine instanceof TokenBucketEngine) {
                loads.add(((TokenBucketEngine) engine).loadScript().toCompletableFuture());
            } else {
                loads.add(((RRateLimiterEngine) engine).connect().toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(loads.toArray(new CompletableFuture<?>[0]));
    }

    private RateLimiter engine(List<Limit> limits) {
        RateLimiter engine = engines.get(limits.get(0).algorithm());
        if (engine == null) {
            throw new IllegalStateException("no engine for " + limits.get(0).algorithm());
        }
        return engine;
    }
}
