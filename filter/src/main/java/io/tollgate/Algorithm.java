package io.tollgate;

import java.util.Locale;

/**
 * How a rate limit is kept in Redis: the values of RateLimitFilter's {@code algorithm} init-param and of
 * {@code OutboundLimiter.Builder.algorithm}, written in lower case ({@code sliding-log}, {@code token-bucket},
 * {@code rratelimiter}). All three give the same answers and headers; they differ in what a limit means
 * between its edges (a log, or a bucket that refills), in what one client costs in Redis and in who else
 * can open the limiter (see docs/rate-limiting.md).
 */
public enum Algorithm {

    /** Tollgate's sliding log: exact, one round trip; memory grows with the count. The default. */
    SLIDING_LOG,
    /** GCRA: one small key per client whatever the count, bursts up to {@code burst}, periods up to days. */
    TOKEN_BUCKET,
    /** Redisson's own {@code RRateLimiter} objects, which application code can open and share by name. */
    RRATELIMITER;

    /** As written in init-params: {@code token-bucket}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
