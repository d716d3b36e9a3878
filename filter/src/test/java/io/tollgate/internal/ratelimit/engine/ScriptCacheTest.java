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
 * The sliding-log engine runs its scripts by SHA-1: a Redis that lost them (restarted, flushed, a promoted
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
}
