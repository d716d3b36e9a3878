package io.tollgate.internal.config;

import java.util.Locale;

/** What a request gets when Redis is unreachable or slower than {@code backendTimeout}. */
public enum BackendFailurePolicy {
    /** The request passes unchecked. */
    ALLOW,
    /** 503 problem+json with {@code Retry-After}. */
    DENY,
    /** RateLimitFilter only: an in-process limiter with the same limits decides. */
    LOCAL;

    /** What requests are while Redis fails under this policy, for log lines: "requests are ...". */
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

    /** As written in web.xml. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    static BackendFailurePolicy parse(String text) {
        return valueOf(Values.oneOf(text, "allow", "deny", "local").toUpperCase(Locale.ROOT));
    }
}
