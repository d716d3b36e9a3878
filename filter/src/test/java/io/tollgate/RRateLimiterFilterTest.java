package io.tollgate;

import io.tollgate.testing.Resp;

/**
 * The contract with {@code algorithm=rratelimiter}: Redisson's RRateLimiter objects (three keys per limit),
 * whose remaining count comes from a call issued beside the acquire (one too many at most, sequentially) and
 * whose waits are upper bounds (one period).
 */
class RRateLimiterFilterTest extends RateLimitFilterContract {

    @Override
    String algorithm() {
        return "rratelimiter";
    }

    @Override
    long refillSeconds(long count, long periodSeconds) {
        return periodSeconds;
    }

    @Override
    long remainingSlack() {
        return 1;
    }

    @Override
    int keysPerClient() {
        return 3;
    }

    @Override
    String keySuffixRegex() {
        return ":1m(:value|:permits)?";
    }

    @Override
    long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception {
        Object value = resp.call("GET", resp.keys(prefix + "rrl:{" + policy + ":*:value").get(0));
        return count - Long.parseLong(value.toString());
    }
}
