package io.tollgate.internal.ratelimit.engine;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.redis.BackendAccess;

import org.redisson.api.RedissonClient;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The one limiter a filter asks: each request goes to the engine its limits' {@link Algorithm} names, found
 * in a catalog (algorithm → how to make its engine). An algorithm without an engine is an error when the
 * filter starts, never a silent default. An engine that decides batches ({@link BatchLimiter}: sliding-log,
 * token-bucket) is put behind a {@link HotKeyCombiner} (a hot key's concurrent requests share calls);
 * {@code rratelimiter} is not: {@code RRateLimiter.tryAcquire(n)} cannot admit part of a batch.
 */
public final class Engines implements RateLimiter {

    /** Every engine Tollgate ships: a new one is a line here and its class beside them. */
    public static final Map<Algorithm, Function<RedissonClient, Engine>> CATALOG = catalog();

    private static Map<Algorithm, Function<RedissonClient, Engine>> catalog() {
        Map<Algorithm, Function<RedissonClient, Engine>> c = new EnumMap<>(Algorithm.class);
        c.put(Algorithm.SLIDING_LOG, SlidingLogEngine::new);
        c.put(Algorithm.TOKEN_BUCKET, TokenBucketEngine::new);
        c.put(Algorithm.RRATELIMITER, RRateLimiterEngine::new);
        return Collections.unmodifiableMap(c);
    }

    private final Map<Algorithm, Engine> engines = new EnumMap<>(Algorithm.class);
    /** What a request of each algorithm asks: its engine, or the combiner in front of it. */
    private final Map<Algorithm, RateLimiter> combined = new EnumMap<>(Algorithm.class);

    /** Engines from {@link #CATALOG} for the algorithms in {@code used} (only those get prepared), not combined. */
    public Engines(RedissonClient client, Collection<Algorithm> used) {
        this(CATALOG, client, used, null);
    }

    /**
     * Engines from {@link #CATALOG} for the algorithms in {@code used}, batch engines combined.
     *
     * @param calls how requests reach Redis: a combined call is bound by its {@code backendTimeout} and
     *              reported to its health once
     */
    public Engines(RedissonClient client, Collection<Algorithm> used, BackendAccess calls) {
        this(CATALOG, client, used, calls);
    }

    /**
     * Engines from {@code catalog} for the algorithms in {@code used}, not combined.
     *
     * @throws IllegalArgumentException when the catalog has no engine for one of them
     */
    public Engines(Map<Algorithm, ? extends Function<RedissonClient, ? extends Engine>> catalog,
            RedissonClient client, Collection<Algorithm> used) {
        this(catalog, client, used, null);
    }

    /**
     * Engines from {@code catalog} for the algorithms in {@code used}.
     *
     * @param calls null: no combining; else as {@link #Engines(RedissonClient, Collection, BackendAccess)}
     * @throws IllegalArgumentException when the catalog has no engine for one of them
     */
    public Engines(Map<Algorithm, ? extends Function<RedissonClient, ? extends Engine>> catalog,
            RedissonClient client, Collection<Algorithm> used, BackendAccess calls) {
        // -Dio.tollgate.combine.maxBatch=1: no combining at all (the benchmark's "-off" variants)
        boolean combine = calls != null
                && Integer.getInteger(HotKeyCombiner.MAX_BATCH_PROPERTY, HotKeyCombiner.DEFAULT_MAX_BATCH) > 1;
        for (Algorithm a : used) {
            Function<RedissonClient, ? extends Engine> make = catalog.get(a);
            if (make == null) {
                throw new IllegalArgumentException("no rate-limit engine for algorithm [" + a + "]");
            }
            Engine engine = engines.computeIfAbsent(a, x -> make.apply(client));
            combined.computeIfAbsent(a, x -> combine && engine instanceof BatchLimiter
                    ? new HotKeyCombiner((BatchLimiter) engine, calls) : engine);
        }
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        RateLimiter limiter = combined.get(limits.get(0).algorithm());
        if (limiter == null) {
            throw new IllegalStateException("no engine for " + limits.get(0).algorithm());
        }
        return limiter.tryAcquire(key, limits);
    }

    @Override
    public CompletionStage<RateDecision> tryAcquireAlone(String key, List<Limit> limits) {
        return engine(limits).tryAcquire(key, limits);
    }

    /** The combiner in front of {@code algorithm}'s engine, or null when it has none (rratelimiter, unused). */
    public HotKeyCombiner combiner(Algorithm algorithm) {
        RateLimiter c = combined.get(algorithm);
        return c instanceof HotKeyCombiner ? (HotKeyCombiner) c : null;
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        return engine(decision.limits()).release(decision);
    }

    /** Prepares every engine (loads its scripts, connects the client): saves a NOSCRIPT on the first request. */
    public CompletionStage<Void> prepare() {
        List<CompletableFuture<?>> loads = new ArrayList<>();
        for (Engine engine : engines.values()) {
            loads.add(engine.prepare().toCompletableFuture());
        }
        return CompletableFuture.allOf(loads.toArray(new CompletableFuture<?>[0]));
    }

    private Engine engine(List<Limit> limits) {
        Engine engine = engines.get(limits.get(0).algorithm());
        if (engine == null) {
            throw new IllegalStateException("no engine for " + limits.get(0).algorithm());
        }
        return engine;
    }
}
