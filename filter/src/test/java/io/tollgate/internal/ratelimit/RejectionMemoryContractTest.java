package io.tollgate.internal.ratelimit;

import java.util.concurrent.TimeUnit;

/**
 * The rejection memory in front of a limiter answers as the limiter does: a remembered rejection only
 * repeats what it would say. Here in front of the in-process limiter, both on the one clock the test moves.
 */
class RejectionMemoryContractTest extends LocalRateLimiterContractTest {

    private final RejectionMemory memory = new RejectionMemory(super.limiter(),
            () -> TimeUnit.MILLISECONDS.toNanos(nowMillis.get()), 100);

    @Override
    RateLimiter limiter() {
        return memory;
    }
}
