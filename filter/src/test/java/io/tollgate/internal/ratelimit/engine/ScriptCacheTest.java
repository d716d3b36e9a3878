package io.tollgate.internal.ratelimit.engine;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The script engines run their scripts by SHA-1: a Redis that lost them (restarted, flushed, a promoted
 * replica) gets them again, and each request still spends its permits once.
 */
class ScriptCacheTest {

    @Test
    void aRedisThatLostTheScriptsDecidesEachRequestOnceAfterLoadingThemAgain() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); Resp admin = redis.connect()) {
            RedissonClient client = BatchScriptsTest.client(redis);
            try {
                SlidingLogEngine engine = new SlidingLogEngine(client);
                engine.prepare().toCompletableFuture().get();
                List<Limit> limits = Limit.parseAll("3/1h", Algorithm.SLIDING_LOG);

                admin.call("SCRIPT", "FLUSH");
                RateDecision first = engine.tryAcquire("{one}", limits).toCompletableFuture().get();
                assertTrue(first.admitted());
                assertEquals(2, first.remaining(0));
                assertEquals(1L, admin.call("ZCARD", "{one}"));

                admin.call("SCRIPT", "FLUSH");
                List<RateDecision> batch = engine.tryAcquireAll("{one}", limits, new long[] {1, 1, 1})
                        .toCompletableFuture().get();
                assertTrue(batch.get(0).admitted());
                assertTrue(batch.get(1).admitted());
                assertFalse(batch.get(2).admitted());
                assertEquals(3L, admin.call("ZCARD", "{one}"));
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void theTokenBucketToo() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); Resp admin = redis.connect()) {
            RedissonClient client = BatchScriptsTest.client(redis);
            try {
                TokenBucketEngine engine = new TokenBucketEngine(client);
                engine.prepare().toCompletableFuture().get();
                // nothing refills within the test: what is left is exactly what the requests did not take
                List<Limit> limits = Limit.parseAll("3/1d", Algorithm.TOKEN_BUCKET);

                admin.call("SCRIPT", "FLUSH");
                RateDecision first = engine.tryAcquire("{tb}", limits).toCompletableFuture().get();
                assertTrue(first.admitted());
                assertEquals(2, first.remaining(0));

                admin.call("SCRIPT", "FLUSH");
                engine.release(first).toCompletableFuture().get();

                admin.call("SCRIPT", "FLUSH");
                List<RateDecision> batch = engine.tryAcquireAll("{tb}", limits, new long[] {1, 1, 1, 1})
                        .toCompletableFuture().get();
                assertEquals(List.of(true, true, true, false), batch.stream().map(RateDecision::admitted).toList());
                assertEquals(0, batch.get(2).remaining(0));
            } finally {
                client.shutdown();
            }
        }
    }
}
