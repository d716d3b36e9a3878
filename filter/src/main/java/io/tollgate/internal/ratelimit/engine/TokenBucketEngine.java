package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code algorithm=token-bucket}: GCRA in one script run per request, or per batch of combined requests for
 * one key (one round trip for every limit of the policy, exact remaining and waits, Redis's clock). A client costs one short string key whatever its limit
 * counts, so {@code 1000000/1d} per API key is as cheap as {@code 10/s}; the price is the meaning between the
 * edges: a full bucket lets {@code burst} requests through at once, then one per {@code period / count}.
 *
 * <p>Why GCRA and not a stored token count with a refill time (Stripe's and Spring Cloud Gateway's scripts):
 * those keep two fields and compute with the app server's or Redis's seconds; GCRA keeps one number (when
 * the bucket is full again), needs no refill step, and its key can expire exactly when it holds nothing.
 */
public final class TokenBucketEngine implements BatchLimiter {

    /** The script: one request or several for one key, in one run ({@link #tryAcquireAll}). */
    public static final String SCRIPT = LuaScripts.read(TokenBucketEngine.class, "token-bucket.lua");
    private static final long[] ONE = {1};
    private static final String TAKEN = "tb";

    private final LuaScripts.WriteScript gcra;

    public TokenBucketEngine(RedissonClient client) {
        RScript script = ContainerThreads.call(() -> client.getScript(StringCodec.INSTANCE));
        this.gcra = new LuaScripts.WriteScript(script, SCRIPT);
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        return run(key, limits, ONE, values -> RateDecision.fromScript(values, limits, key, TAKEN));
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        if (!decision.admitted() || decision.permitId() == null) {
            return CompletableFuture.completedFuture(null);
        }
        // a give-back always succeeds
        return run(decision.key(), decision.limits(), new long[] {-decision.cost()}, values -> null);
    }

    @Override
    public CompletionStage<List<RateDecision>> tryAcquireAll(String key, List<Limit> limits, long[] costs) {
        return run(key, limits, costs, values -> RateDecision.fromBatch(values, limits, key, costs, r -> TAKEN));
    }

    /** Loads the script into Redis (every master of a cluster). */
    @Override
    public CompletionStage<String> prepare() {
        return gcra.load();
    }

    /** Runs the script by its SHA (loaded and run by its text after a NOSCRIPT), {@code answer} read off it. */
    private <T> CompletionStage<T> run(String key, List<Limit> limits, long[] costs,
            Function<List<Object>, T> answer) {
        Object[] args = new Object[1 + 3 * limits.size() + costs.length];
        args[0] = Integer.toString(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            args[1 + 3 * i] = Long.toString(l.count());
            args[2 + 3 * i] = Long.toString(l.period().toMillis());
            args[3 + 3 * i] = Long.toString(l.burst());
        }
        int first = 1 + 3 * limits.size();
        for (int r = 0; r < costs.length; r++) {
            args[first + r] = Long.toString(costs[r]);
        }
        return ContainerThreads.call(() -> gcra.run(key, args, answer));
    }
}
