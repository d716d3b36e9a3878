package io.tollgate.internal.ratelimit;

import io.tollgate.internal.config.SettingFormats;

/**
 * How a policy's limits are kept in Redis. All three give the same answers and headers; they differ in
 * what a limit means between its edges (a log, or a bucket that refills), in what one client costs in
 * Redis and in who else can open the limiter (see docs/rate-limiting.md).
 */
public enum Algorithm {

    /** Tollgate's sliding log: exact, one round trip; memory grows with the count ({@value Limit#MAX_COUNT} at most). */
    SLIDING_LOG("rl:", Limit.MAX_COUNT),
    /** GCRA: one small key per client whatever the count, bursts up to {@code burst}, periods up to days. */
    TOKEN_BUCKET("tb:", Limit.MAX_TOKEN_BUCKET_COUNT),
    /** Redisson's own {@code RRateLimiter} objects, which application code can open and share by name. */
    RRATELIMITER("rrl:", Limit.MAX_COUNT);

    private final String keyInfix;
    private final long maxCount;

    Algorithm(String keyInfix, long maxCount) {
        this.keyInfix = keyInfix;
        this.maxCount = maxCount;
    }

    /** Parses {@code sliding-log}, {@code token-bucket} or {@code rratelimiter} (as written in the docs). */
    public static Algorithm parse(String text) {
        return SettingFormats.keyword(text, Algorithm.class);
    }

    /** The segment after the key prefix in this algorithm's Redis keys: each keeps its own (their types differ). */
    public String keyInfix() {
        return keyInfix;
    }

    /** Largest count one limit may have with this algorithm. */
    public long maxCount() {
        return maxCount;
    }

    /** As written in init-params: {@code token-bucket}. */
    @Override
    public String toString() {
        return SettingFormats.keyword(this);
    }
}
