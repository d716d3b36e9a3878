package io.tollgate;

/**
 * What a request gets when Redis is down, or when its own call was slower than {@code backendTimeout} (with
 * {@code local}, a rate-limit call that is late while Redis is up is waited for up to {@code maxWait} instead,
 * then refused: rate limits stay exact while Redis is up): the values of
 * {@value Tollgate#PARAM_ON_BACKEND_FAILURE}, written in web.xml in lower case ({@code allow}, {@code deny},
 * {@code local}).
 */
public enum BackendFailurePolicy {
    /** The request passes unchecked. */
    ALLOW,
    /** 503 problem+json with {@code Retry-After}. */
    DENY,
    /**
     * Each instance on its own, in memory: an in-process limiter with the same limits (RateLimitFilter,
     * OutboundLimiter), the same double-submit guard (DoubleSubmitFilter). The default.
     */
    LOCAL
}
