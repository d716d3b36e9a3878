package io.tollgate;

import java.util.Map;

/**
 * What a {@link RateLimitFilter} has done since it started, registered in JMX as
 * {@code io.tollgate:type=RateLimitFilter,webapp=<context path>,name=<filter-name>}.
 */
public interface RateLimitFilterMXBean {

    /** Requests admitted (by Redis, or by the local limiter of {@code onBackendFailure=local}). */
    long getAdmitted();

    /** Requests rejected with {@code statusCode}. */
    long getRejected();

    /** Requests that would have been rejected, but {@code enforce=false} let them pass. */
    long getDryRunRejected();

    /** Rejections per policy name. */
    Map<String, Long> getRejectedByPolicy();

    /** Redis calls that failed or did not answer within {@code backendTimeout}. */
    long getBackendFailures();

    /** Requests decided by {@code onBackendFailure} because Redis failed or was known to be down. */
    long getFallbackDecisions();

    /** {@code UP}, or {@code DOWN} while Redis fails (requests then take the fallback at once). */
    BackendState getBackendState();

    /** The effective settings, as logged at start-up. */
    String getSettings();
}
