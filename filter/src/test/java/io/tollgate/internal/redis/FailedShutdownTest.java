package io.tollgate.internal.redis;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When the client's shutdown itself fails (a class it needs is in a deleted jar), Tollgate stops the client's
 * threads directly: that path alone stops every thread of the client and closes its connections.
 */
class FailedShutdownTest {

    @Test
    void stoppingTheThreadsWithoutShutdownLeavesNoThreadAndNoConnection() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            Config config = new Config();
            config.useSingleServer().setAddress(redis.url());
            RedissonClient client = Redisson.create(config);
            client.getBucket("k", StringCodec.INSTANCE).set("v");
            Conditions.await(() -> newRedissonThreads(before), t -> !t.isEmpty(), Duration.ofSeconds(5));

            RedissonClients.stopThreads(client);

            Conditions.await(() -> newRedissonThreads(before), Set::isEmpty, Duration.ofSeconds(10));
            Conditions.await(redis::otherClients, n -> n == 0, Duration.ofSeconds(10));
        }
    }

    private static Set<String> newRedissonThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith("redisson-"))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
