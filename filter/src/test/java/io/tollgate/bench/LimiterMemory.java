package io.tollgate.bench;

import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.Algorithm;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.ratelimit.engine.SlidingLogEngine;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.ratelimit.engine.TokenBucketEngine;
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
        SlidingLogEngine tollgate = new SlidingLogEngine(client);
        Table table = new Table("permits held", "Tollgate B", "B/permit", "encoding",
                "RRateLimiter B", "B/permit", "keys");
        // idle: Tollgate has no key at all (the log is created by the first permit and expires a window
        // after the last); an RRateLimiter whose rate is set keeps its config hash
        RRateLimiter idle = client.getRateLimiter("bench:memory:{rrl-idle}");
        idle.trySetRate(RateType.OVERALL, limit.count(), limit.period());
        table.row("0 (idle)", 0, "-", "no key", usage(redis, "*rrl-idle*"), "-", keys(redis, "*rrl-idle*"));
        for (int n : PERMITS) {
            String key = RedisKeys.rateLimit("tollgate:", Algorithm.SLIDING_LOG, "memory", "client-" + n);
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

    /**
     * {@code algorithm=token-bucket}: one client's key at {@code 1000000/1d} after 1 to 10,000 permits taken
     * (it does not grow), and {@value #CLIENTS} distinct clients at {@code 1000/1h}, one request each, next to
     * the sliding log for the same clients ({@code INFO memory} used_memory before and after).
     */
    static Table tokenBucket(RedissonClient client, Resp redis) throws IOException {
        Table table = new Table("what", "algorithm", "limits", "bytes", "per key", "keys");
        List<Limit> daily = Limit.parseAll("1000000/1d", Algorithm.TOKEN_BUCKET);
        TokenBucketEngine buckets = new TokenBucketEngine(client);
        for (int n : PERMITS) {
            String key = RedisKeys.rateLimit("tollgate:", Algorithm.TOKEN_BUCKET, "memory", "client-" + n);
            fill(buckets, key, daily, n);
            long bytes = (Long) redis.call("MEMORY", "USAGE", key, "SAMPLES", "0");
            table.row("1 client, " + n + " permits taken", "token-bucket", "1000000/1d", bytes, bytes, 1);
        }
        // at 1000/1h a one-request bucket is full again (its key gone) 3.6 s later: count the keys still there
        String[][] runs = {{"token-bucket", "1000/1h", "many-tb"}, {"token-bucket", "10/1h", "many-tb10"},
                {"sliding-log", "1000/1h", "many-rl"}};
        for (String[] run : runs) {
            Algorithm algorithm = SettingFormats.keyword(run[0], Algorithm.class);
            RateLimiter engine = algorithm == Algorithm.TOKEN_BUCKET ? new TokenBucketEngine(client)
                    : new SlidingLogEngine(client);
            Object[] grown = clients(redis, engine, algorithm, run[2], run[1]);
            table.row(CLIENTS + " clients, 1 request each", run[0], run[1], grown[0], grown[1], grown[2]);
        }
        return table;
    }

    private static final int CLIENTS = 100_000;

    /** used_memory grown by {@value #CLIENTS} clients taking one permit each, per key still there, and the keys. */
    private static Object[] clients(Resp redis, RateLimiter engine, Algorithm algorithm, String policy, String text)
            throws IOException {
        List<Limit> limits = Limit.parseAll(text, algorithm);
        // the keys of the run before would expire during this one and shrink what it grew (a negative figure)
        redis.call("FLUSHALL", "SYNC");
        long before = usedMemory(redis);
        long keysBefore = (Long) redis.call("DBSIZE");
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String key = RedisKeys.rateLimit("tollgate:", algorithm, policy, "client-" + i);
            pending.add(engine.tryAcquire(key, limits).toCompletableFuture().thenAccept(LimiterMemory::admitted));
            drain(pending);
        }
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
        long grown = usedMemory(redis) - before;
        long keys = (Long) redis.call("DBSIZE") - keysBefore;
        return new Object[] {grown, Table.num((double) grown / Math.max(1, keys)), keys};
    }

    private static void fill(RateLimiter engine, String key, List<Limit> limits, int n) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(engine.tryAcquire(key, limits).toCompletableFuture().thenAccept(LimiterMemory::admitted));
            drain(pending);
        }
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).join();
    }

    private static long usedMemory(Resp redis) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used_memory:(\\d+)")
                .matcher((String) redis.call("INFO", "memory"));
        if (!m.find()) {
            throw new IllegalStateException("no used_memory in INFO memory");
        }
        return Long.parseLong(m.group(1));
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
