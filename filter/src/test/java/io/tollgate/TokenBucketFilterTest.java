package io.tollgate;

import io.tollgate.testing.Resp;

/**
 * The contract with {@code algorithm=token-bucket}: a permit comes back every {@code period / count}; and what
 * only a token bucket promises: {@code burst}, the bound on any span, constant memory for large counts.
 */
class TokenBucketFilterTest extends RateLimitFilterContract {

    @Override
    String algorithm() {
        return "token-bucket";
    }

    @Override
    long refillSeconds(long count, long periodSeconds) {
        return (periodSeconds + count - 1) / count;
    }

    @Override
    long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception {
        // the key lives until the bucket is full again: held permits = that time in refill steps, rounded up
        long ttl = (Long) resp.call("PTTL", resp.keys(prefix + "tb:{" + policy + ":*").get(0));
        double step = (double) periodMillis / count;
        return (long) Math.ceil(ttl / step);
    }
}
