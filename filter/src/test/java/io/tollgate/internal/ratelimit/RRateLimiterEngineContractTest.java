package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.engine.Engine;
import io.tollgate.internal.ratelimit.engine.RRateLimiterEngine;
import org.redisson.api.RedissonClient;

import java.util.function.Function;

/** Redisson's RRateLimiter reads what is left beside the acquire, on another connection: it may say one more. */
class RRateLimiterEngineContractTest extends RedisEngineContract {

    @Override
    long remainingSlack() {
        return 1;
    }

    @Override
    Function<RedissonClient, Engine> engine() {
        return RRateLimiterEngine::new;
    }

    @Override
    Algorithm algorithm() {
        return Algorithm.RRATELIMITER;
    }
}
