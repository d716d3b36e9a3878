package io.tollgate;

/**
 * What a request gets when Redis is unreachable or slower than {@code backendTimeout}: the values of
 * {@value Tollgate#PARAM_ON_BACKEND_FAILURE}, written in web.xml in lower case ({@code allow}, {@code deny},
 * {@code local}).
 */
public enum BackendFailurePolicy {
    /** The request passes unchecked. */
    ALLOW,
    /** 503 problem+json with {@code Retry-After}. */
    DENY,
    /** RateLimitFilter and OutboundLimiter only: an in-process limiter with the same limits decides. */
    LOCAL;

    /**
     * What requests are while Redis fails under this policy, as Tollgate's log lines say it.
     *
     * @return {@code "denied"}, {@code "limited by each instance on its own"} or {@code "let through unchecked"}
     */
    public String describe() {
        switch (this) {
            case DENY:
                return "denied";
            case LOCAL:
                return "limited by each instance on its own";
            default:
                return "let through unchecked";
        }
    }
}
