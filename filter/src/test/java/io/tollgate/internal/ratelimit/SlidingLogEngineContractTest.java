package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.engine.Engine;
import io.tollgate.internal.ratelimit.engine.SlidingLogEngine;
import org.redisson.api.RedissonClient;

import java.util.function.Function;

class SlidingLogEngineContractTest extends RedisEngineContract {

    @Override
    Function<RedissonClient, Engine> engine() {
        return SlidingLogEngine::new;
    }

    @Override
    Algorithm algorithm() {
        return Algorithm.SLIDING_LOG;
    }
}
