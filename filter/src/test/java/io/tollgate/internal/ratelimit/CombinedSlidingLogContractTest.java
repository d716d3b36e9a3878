package io.tollgate.internal.ratelimit;

import io.tollgate.internal.ratelimit.engine.BatchLimiter;
import io.tollgate.internal.ratelimit.engine.HotKeyCombiner;

import java.time.Duration;

/** The same contract with the engine behind a {@link HotKeyCombiner}: combining changes no answer. */
class CombinedSlidingLogContractTest extends SlidingLogEngineContractTest {

    private HotKeyCombiner combined;

    @Override
    RateLimiter limiter() {
        if (combined == null) {
            combined = new HotKeyCombiner((BatchLimiter) super.limiter(), Duration.ofSeconds(3), null,
                    HotKeyCombiner.DEFAULT_MAX_BATCH, HotKeyCombiner.DEFAULT_MAX_IN_FLIGHT);
        }
        return combined;
    }
}
