package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;

/**
 * The in-process limiter given a token-bucket policy's limits (the fallback of {@code algorithm=token-bucket}):
 * a bucket per limit, with its burst, as exact as the Redis engine's; it still gives nothing back.
 */
class LocalTokenBucketContractTest extends LocalRateLimiterContractTest {

    @Override
    Algorithm algorithm() {
        return Algorithm.TOKEN_BUCKET;
    }

    @Override
    long longestWait(Limit limit) {
        return limit.period().toMillis();
    }
}
