package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.engine.Engine;
import io.tollgate.internal.ratelimit.engine.TokenBucketEngine;
import org.redisson.api.RedissonClient;

import java.util.function.Function;

class TokenBucketEngineContractTest extends RedisEngineContract {

    @Override
    Function<RedissonClient, Engine> engine() {
        return TokenBucketEngine::new;
    }

    @Override
    Algorithm algorithm() {
        return Algorithm.TOKEN_BUCKET;
    }
}
