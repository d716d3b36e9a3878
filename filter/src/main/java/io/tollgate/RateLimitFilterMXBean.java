package io.tollgate;

import java.util.Map;

/**
 * What a {@link RateLimitFilter} has done since it started, registered in JMX as
 * {@code io.tollgate:type=RateLimitFilter,webapp=<context path>,name=<filter-name>}.
 */
public interface RateLimitFilterMXBean {

    /** {@return requests admitted (by Redis, or by the local limiter of {@code onBackendFailure=local})} */
    long getAdmitted();

    /** {@return requests rejected with {@code statusCode}} */
    long getRejected();

    /** {@return requests that would have been rejected, but {@code enforce=false} let them pass} */
    long getDryRunRejected();

    /** {@return rejections per policy name} */
    Map<String, Long> getRejectedByPolicy();

    /** {@return redis calls that failed or did not answer within {@code backendTimeout}} */
    long getBackendFailures();

    /** {@return requests decided without Redis: the sum of {@link #getDecisionsWithoutRedis()}} */
    long getFallbackDecisions();

    /**
     * {@return requests decided without Redis, per {@code route/reason}: route {@code local}, {@code allow},
     * {@code deny} or {@code unconfirmed} (refused: Redis is up but gave no answer within {@code maxWait});
     * reason {@code down}, {@code not-asked} (down, and not the trial), {@code late}, {@code key-error} or
     * {@code interrupted}}
     */
    Map<String, Long> getDecisionsWithoutRedis();

    /** {@return requests Redis answered after {@code backendTimeout}, waited for (within {@code maxWait}) while up} */
    long getLateAnswers();

    /** {@return {@code UP}, or {@code DOWN} while Redis fails (requests then take the fallback at once)} */
    BackendState getBackendState();

    /** {@return the effective settings, as logged at start-up} */
    String getSettings();
}
