package io.tollgate.internal.submit;

import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** The protocol over the shared guard on a real Redis. */
@ExtendWith(RedisExtension.class)
class SubmissionFlowRedisTest extends SubmissionFlowContract {

    private final String prefix = RedisExtension.uniquePrefix();
    private RedissonClient client;

    @BeforeEach
    void connect(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url()).setRetryAttempts(0).setTimeout(2000);
        client = Redisson.create(config);
    }

    @AfterEach
    void disconnect() {
        client.shutdown();
    }

    @Override
    SubmissionGuard sharedGuard() {
        return new RedisSubmissionGuard(client);
    }

    @Override
    String prefix() {
        return prefix;
    }
}
