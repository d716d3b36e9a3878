package io.tollgate.internal.ratelimit;

import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.ratelimit.engine.Engine;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.util.function.Function;

/** The contract over one Redis engine, on a real Redis (and Redis's clock). */
@ExtendWith(RedisExtension.class)
abstract class RedisEngineContract extends RateLimiterContract {

    private final String key = RedisKeys.rateLimit(RedisExtension.uniquePrefix(), algorithm(), "contract", "client");
    private RedissonClient client;
    private Engine engine;

    /** How the engine under test is made. */
    abstract Function<RedissonClient, Engine> engine();

    @BeforeEach
    void connect(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url()).setRetryAttempts(0).setTimeout(3000);
        client = Redisson.create(config);
        engine = engine().apply(client);
        engine.prepare().toCompletableFuture().join();
    }

    @AfterEach
    void disconnect() {
        client.shutdown();
    }

    @Override
    RateLimiter limiter() {
        return engine;
    }

    @Override
    String key() {
        return key;
    }
}
