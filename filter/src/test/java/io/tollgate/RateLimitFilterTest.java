package io.tollgate;

import io.tollgate.testing.Resp;

/** The contract with {@code algorithm=sliding-log} (the default): a permit comes back one period after it was taken. */
class RateLimitFilterTest extends RateLimitFilterContract {

    @Override
    String algorithm() {
        return "sliding-log";
    }

    @Override
    long refillSeconds(long count, long periodSeconds) {
        return periodSeconds;
    }

    @Override
    long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception {
        return (Long) resp.call("ZCARD", resp.keys(prefix + "rl:{" + policy + ":*").get(0));
    }
}
