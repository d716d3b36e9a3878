package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process limiter of {@code onBackendFailure=local}, on a clock the test moves.
 *
 * <p><b>Where it differs from the Redis engines, on purpose</b> (the one place this is said): it keeps two
 * counts per limit (a sliding-window counter: constant memory under a flood of clients during an outage),
 * so a rejection may ask to wait up to two periods while the previous window's weight fades
 * ({@link #longestWait}); and its decisions are approximate and per instance, so nothing is given back
 * ({@link #givesBack}).
 */
class LocalRateLimiterContractTest extends RateLimiterContract {

    final AtomicLong nowMillis = new AtomicLong(1_000_000_000L);
    private final LocalRateLimiter limiter = new LocalRateLimiter(nowMillis::get, 100);

    @Override
    RateLimiter limiter() {
        return limiter;
    }

    @Override
    Algorithm algorithm() {
        return Algorithm.SLIDING_LOG;
    }

    @Override
    String key() {
        return "client";
    }

    @Override
    void elapse(Duration time) {
        nowMillis.addAndGet(time.toMillis());
    }

    @Override
    boolean takes(Algorithm algorithm) {
        return true;
    }

    @Override
    boolean givesBack() {
        return false;
    }

    @Override
    long longestWait(Limit limit) {
        return 2 * limit.period().toMillis();
    }
}
