package io.tollgate.bench;

import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RedisRateLimiter;
import io.tollgate.testing.Resp;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Redis memory of one client's limiter ({@code MEMORY USAGE ... SAMPLES 0}, i.e. every element counted)
 * for a one-limit policy with 1 to 10,000 permits held: Tollgate's log, next to Redisson's RRateLimiter
 * holding the same permits (all its keys summed).
 */
final class LimiterMemory {

    private static final int[] PERMITS = {1, 100, 1_000, 10_000};
    private static final String LIMITS = "10000/1h";
    private static final int IN_FLIGHT = 500;

    private LimiterMemory() {
    }

    static Table measure(RedissonClient client, Resp redis) throws IOException {
        List<Limit> limits = Limit.parseAll(LIMITS);
        Limit limit = limits.get(0);
        RedisRateLimiter tollgate = new RedisRateLimiter(client);
        Table table = new Table("permits held", "Tollgate B", "B/permit", "encoding",
                "RRateLimiter B", "B/permit", "keys");
        // idle: Tollgate has no key at all (the log is created by the first permit and expires a window
        // after the last); an RRateLimiter whose rate is set keeps its config hash
        RRateLimiter idle = client.getRateLimiter("bench:memory:{rrl-idle}");
        idle.trySetRate(RateType.OVERALL, limit.count(), limit.period());
        table.row("0 (idle)", 0, "-", "no key", usage(redis, "*rrl-idle*"), "-", keys(redis, "*rrl-idle*"));
        for (int n : PERMITS) {
            String key = RedisKeys.rateLimit("tollgate:", "memory", "client-" + n);
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pending.add(tollgate.tryAcquire(key, limits).toCompletableFuture().thenAccept(LimiterMemory::admitted));
                drain(pending);
            }
            RRateLimiter redisson = client.getRateLimiter("bench:memory:{rrl-" + n + "}");
            redisson.trySetRate(RateType.OVERALL, limit.count(), limit.period());
            for (int i = 0; i < n; i++) {
                pending.add(redisson.tryAcquireAsync().toCompletableFuture().thenAccept(LimiterMemory::admitted));
                drain(pending);
            }
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
            long ours = (Long) redis.call("MEMORY", "USAGE", key, "SAMPLES", "0");
            long theirs = usage(redis, "*rrl-" + n + "}*");
            table.row(n, ours, Table.num((double) ours / n), redis.call("OBJECT", "ENCODING", key),
                    theirs, Table.num((double) theirs / n), keys(redis, "*rrl-" + n + "}*"));
        }
        return table;
    }

    private static void admitted(Object decision) {
        boolean ok = decision instanceof RateDecision ? ((RateDecision) decision).admitted() : (Boolean) decision;
        if (!ok) {
            throw new IllegalStateException("a permit was refused while filling the log");
        }
    }

    /** Keeps at most {@value #IN_FLIGHT} calls in flight. */
    private static void drain(List<CompletableFuture<?>> pending) {
        if (pending.size() >= IN_FLIGHT) {
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
            pending.clear();
        }
    }

    private static long usage(Resp redis, String pattern) throws IOException {
        long sum = 0;
        for (String key : redis.keys(pattern)) {
            sum += (Long) redis.call("MEMORY", "USAGE", key, "SAMPLES", "0");
        }
        return sum;
    }

    private static int keys(Resp redis, String pattern) throws IOException {
        return redis.keys(pattern).size();
    }
}
