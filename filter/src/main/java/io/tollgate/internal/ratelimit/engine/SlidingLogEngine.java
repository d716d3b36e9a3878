package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared limiter: a sliding log per client key in Redis, decided by one script run (one round trip)
 * that admits or rejects against every limit of the policy at once and returns what is left, so headers
 * need no second call. Times come from the Redis server's clock, so app servers' clocks do not matter.
 *
 * <p>Why not Redisson's {@code RRateLimiter}: its {@code tryAcquire} answers only true or false, so the
 * remaining budget and the time to wait would take a second round trip per request, and it cannot be
 * put in a pipelined batch; several limits would each take a round trip and a rejected request would
 * leave permits to give back. This script is the same sliding log, with all of that in one call.
 */
public final class SlidingLogEngine implements BatchLimiter {

    static final String SCRIPT = LuaScripts.read(SlidingLogEngine.class, "sliding-log.lua");
    /** {@link #tryAcquireAll}'s script. */
    public static final String BATCH_SCRIPT = LuaScripts.read(SlidingLogEngine.class, "sliding-log-batch.lua");

    private final RedissonClient client;
    private final LuaScripts.WriteScript single;
    private final LuaScripts.WriteScript batch;
    private final String idPrefix;
    private final AtomicLong sequence = new AtomicLong();

    public SlidingLogEngine(RedissonClient client) {
        this.client = client;
        RScript script = ContainerThreads.call(() -> client.getScript(StringCodec.INSTANCE));
        this.single = new LuaScripts.WriteScript(script, SCRIPT);
        this.batch = new LuaScripts.WriteScript(script, BATCH_SCRIPT);
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        long r = 0;
        for (byte b : random) {
            r = (r << 8) | (b & 0xFF);
        }
        this.idPrefix = Long.toString(r, 36) + ".";
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        String permitId = idPrefix + Long.toString(sequence.incrementAndGet(), 36);
        Object[] args = new Object[1 + 2 * limits.size()];
        args[0] = permitId;
        for (int i = 0; i < limits.size(); i++) {
            args[1 + 2 * i] = Long.toString(limits.get(i).count());
            args[2 + 2 * i] = Long.toString(limits.get(i).period().toMillis());
        }
        return ContainerThreads.call(() -> single.run(key, args,
                values -> RateDecision.fromScript(values, limits, key, permitId)));
    }

    @Override
    public CompletionStage<List<RateDecision>> tryAcquireAll(String key, List<Limit> limits, long[] costs) {
        String batchId = idPrefix + Long.toString(sequence.incrementAndGet(), 36);
        Object[] args = new Object[2 + 2 * limits.size() + costs.length];
        args[0] = batchId;
        args[1] = Integer.toString(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            args[2 + 2 * i] = Long.toString(limits.get(i).count());
            args[3 + 2 * i] = Long.toString(limits.get(i).period().toMillis());
        }
        int first = 2 + 2 * limits.size();
        for (int r = 0; r < costs.length; r++) {
            args[first + r] = Long.toString(costs[r]);
        }
        // the script numbers requests from 1
        return ContainerThreads.call(() -> batch.run(key, args,
                values -> RateDecision.fromBatch(values, limits, key, costs,
                        r -> batchId + "." + (r + 1))));
    }

    /** Loads the scripts into Redis (every master of a cluster): connects the client and saves a NOSCRIPT later. */
    @Override
    public CompletionStage<String> prepare() {
        return single.load().thenCompose(sha -> batch.load());
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        if (!decision.admitted() || decision.permitId() == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        if (decision.cost() == 1) {
            return ContainerThreads.call(() -> client.getScoredSortedSet(decision.key(), StringCodec.INSTANCE)
                    .removeAsync(decision.permitId()))
                    .thenApply(removed -> null);
        }
        // a batch records a request of cost c as "<id>", "<id>.2", ..., "<id>.c" (sliding-log-batch.lua)
        List<String> members = new java.util.ArrayList<>();
        members.add(decision.permitId());
        for (long j = 2; j <= decision.cost(); j++) {
            members.add(decision.permitId() + "." + j);
        }
        return ContainerThreads.call(() -> client.getScoredSortedSet(decision.key(), StringCodec.INSTANCE)
                .removeAllAsync(members))
                .thenApply(removed -> null);
    }
}
