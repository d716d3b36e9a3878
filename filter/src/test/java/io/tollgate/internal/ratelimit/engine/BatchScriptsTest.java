package io.tollgate.internal.ratelimit.engine;

import io.tollgate.Algorithm;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch scripts decide N requests as N separate calls in that order would have (admitted, remaining,
 * waits), all-or-nothing per request and cost; and the combiner shares calls among a hot key's concurrent
 * requests without admitting one more than the limit.
 */
@ExtendWith(RedisExtension.class)
class BatchScriptsTest {

    enum Engine {
        SLIDING_LOG(Algorithm.SLIDING_LOG), TOKEN_BUCKET(Algorithm.TOKEN_BUCKET);

        final Algorithm algorithm;

        Engine(Algorithm algorithm) {
            this.algorithm = algorithm;
        }

        BatchLimiter create(RedissonClient client) {
            return this == SLIDING_LOG ? new SlidingLogEngine(client) : new TokenBucketEngine(client);
        }
    }

    static RedissonClient client(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url()).setRetryAttempts(0).setTimeout(2000);
        return Redisson.create(config);
    }

    static String key(String name) {
        return RedisExtension.uniquePrefix() + "{" + name + "}";
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aBatchOfOnesAnswersAsSeparateCallsInThatOrderWould(Engine engine, RedisServer redis) throws Exception {
        RedissonClient client = client(redis);
        try {
            BatchLimiter limiter = engine.create(client);
            List<Limit> limits = Limit.parseAll("10/1h, 4/1m", engine.algorithm);
            String batchKey = key("batch");
            String singleKey = key("single");
            long[] costs = new long[7];
            java.util.Arrays.fill(costs, 1);
            List<RateDecision> batch = limiter.tryAcquireAll(batchKey, limits, costs).toCompletableFuture().get();
            for (int i = 0; i < costs.length; i++) {
                RateDecision single = limiter.tryAcquire(singleKey, limits).toCompletableFuture().get();
                RateDecision b = batch.get(i);
                assertEquals(single.admitted(), b.admitted(), "request " + i);
                for (int k = 0; k < limits.size(); k++) {
                    assertEquals(single.remaining(k), b.remaining(k), "request " + i + " limit " + k);
                    // the same waits, but for the milliseconds between the single calls
                    assertTrue(Math.abs(single.waitMillis(k) - b.waitMillis(k)) < 2_000,
                            "request " + i + " limit " + k + ": " + single.waitMillis(k) + " vs " + b.waitMillis(k));
                }
                assertEquals(single.retryAfterMillis() > 0, b.retryAfterMillis() > 0, "request " + i);
            }
            assertEquals(4, batch.stream().filter(RateDecision::admitted).count());
        } finally {
            client.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void eachRequestTakesAllItsPermitsOrNone(Engine engine, RedisServer redis) throws Exception {
        RedissonClient client = client(redis);
        try {
            BatchLimiter limiter = engine.create(client);
            List<Limit> limits = Limit.parseAll("5/1h", engine.algorithm);
            String key = key("costs");
            List<RateDecision> d = limiter.tryAcquireAll(key, limits, new long[] {3, 3, 2, 1}).toCompletableFuture()
                    .get();
            assertEquals(List.of(true, false, true, false), d.stream().map(RateDecision::admitted).toList());
            assertEquals(List.of(2L, 2L, 0L, 0L), d.stream().map(x -> x.remaining(0)).toList());
            assertTrue(d.get(1).retryAfterMillis() > 0, "a rejection of 3 with 2 left says when 3 are back");
            assertEquals(0, d.get(2).retryAfterMillis());
            // giving back the cost-3 request's permits returns all three
            limiter.release(d.get(0)).toCompletableFuture().get();
            List<RateDecision> after = limiter.tryAcquireAll(key, limits, new long[] {3, 1}).toCompletableFuture().get();
            assertEquals(List.of(true, false), after.stream().map(RateDecision::admitted).toList());
            assertEquals(0, after.get(0).remaining(0));
        } finally {
            client.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void concurrentRequestsForOneKeyShareCallsAndAdmitExactlyTheLimit(Engine engine, RedisServer redis)
            throws Exception {
        RedissonClient client = client(redis);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            HotKeyCombiner combiner = new HotKeyCombiner(engine.create(client), Duration.ofSeconds(5), null, 256, 1);
            List<Limit> limits = Limit.parseAll("500/1h", engine.algorithm);
            String key = key("hot");
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<RateDecision>>> threads = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                threads.add(pool.submit(() -> {
                    start.await();
                    List<RateDecision> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        mine.add(combiner.tryAcquire(key, limits).toCompletableFuture().get());
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<RateDecision> all = new ArrayList<>();
            for (Future<List<RateDecision>> f : threads) {
                all.addAll(f.get());
            }
            assertEquals(800, all.size());
            assertEquals(500, all.stream().filter(RateDecision::admitted).count());
            // every admitted request has its own remaining count: 499 down to 0, each once
            assertEquals(500, all.stream().filter(RateDecision::admitted).mapToLong(d -> d.remaining(0)).distinct()
                    .count());
            assertEquals(800, combiner.decisions());
            assertTrue(combiner.calls() < 800, "calls " + combiner.calls() + " for 800 decisions");
        } finally {
            pool.shutdownNow();
            client.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aQuietKeyGoesAloneThroughTheOneRequestScript(Engine engine, RedisServer redis) throws Exception {
        RedissonClient client = client(redis);
        try {
            HotKeyCombiner combiner = new HotKeyCombiner(engine.create(client), Duration.ofSeconds(5), null, 256, 1);
            List<Limit> limits = Limit.parseAll("5/1h", engine.algorithm);
            String key = key("quiet");
            for (int i = 0; i < 3; i++) {
                RateDecision d = combiner.tryAcquire(key, limits).toCompletableFuture().get();
                assertTrue(d.admitted());
                assertEquals(4 - i, d.remaining(0));
            }
            assertEquals(3, combiner.calls());
            assertEquals(1, combiner.batchSizePercentile(99));
        } finally {
            client.shutdown();
        }
    }
}
