package io.tollgate.internal.redis;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * When the client's shutdown itself fails (a class it needs is in a deleted jar), Tollgate stops the client's
 * threads directly: that path alone stops every thread of the client and closes its connections. When the
 * shutdown never ends (a Netty thread that does not return, as Redisson before 3.37 leaves one after a failed
 * write), the webapp's stop goes on after the bound.
 */
class FailedShutdownTest {

    @Test
    void stoppingTheThreadsWithoutShutdownLeavesNoThreadAndNoConnection() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            RedissonClient client = usedClient(redis);
            Conditions.await(() -> newRedissonThreads(before), t -> !t.isEmpty(), Duration.ofSeconds(5));

            RedissonClients.stopThreads(client);

            Conditions.await(() -> newRedissonThreads(before), Set::isEmpty, Duration.ofSeconds(10));
            Conditions.await(redis::otherClients, n -> n == 0, Duration.ofSeconds(10));
        }
    }

    @Test
    void aShutdownThatNeverEndsIsLeftBehindAfterTheBound() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            RedissonClient client = usedClient(redis);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stuck = new CountDownLatch(1);
            // one Netty thread busy for good, as Redisson #6153's spinning write leaves it
            ((Redisson) client).getServiceManager().getGroup().execute(() -> {
                stuck.countDown();
                awaitUninterruptibly(release);
            });
            assertTrue(stuck.await(10, TimeUnit.SECONDS));
            ExecutorService stopping = Executors.newSingleThreadExecutor();
            try {
                Future<Boolean> ended = stopping.submit(() -> RedissonClients.shutdown(client, Duration.ofMillis(500)));
                // without the bound this waits as long as the thread is busy: here, until the test ends
                assertFalse(ended.get(30, TimeUnit.SECONDS), "the shutdown ended though a Netty thread never returned");
            } finally {
                release.countDown(); // the thread returns: the shutdown left behind ends, and the client's threads
                stopping.shutdownNow();
            }
            Conditions.await(() -> newRedissonThreads(before), Set::isEmpty, Duration.ofSeconds(20));
        }
    }

    /** A client of {@code redis} that has sent a command (so its threads and a connection exist). */
    private static RedissonClient usedClient(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient client = Redisson.create(config);
        client.getBucket("k", StringCodec.INSTANCE).set("v");
        return client;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // a Netty thread stuck in a loop does not answer interrupts either
            }
        }
    }

    private static Set<String> newRedissonThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith("redisson-"))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
