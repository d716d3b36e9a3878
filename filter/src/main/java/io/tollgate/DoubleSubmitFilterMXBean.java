package io.tollgate;

import java.util.Map;

/**
 * What a {@link DoubleSubmitFilter} has done since it started, registered in JMX as
 * {@code io.tollgate:type=DoubleSubmitFilter,webapp=<context path>,name=<filter-name>}.
 */
public interface DoubleSubmitFilterMXBean {

    /** {@return submissions that ran: the first of their kind} */
    long getFirstSubmits();

    /** {@return repeats answered 409 (the first still running, or already done in reject mode)} */
    long getDuplicates();

    /** {@return repeats answered with the first's stored response ({@code mode=replay})} */
    long getReplayed();

    /** {@return key headers reused for a different request (answered 422)} */
    long getKeyReuses();

    /** {@return guarded-method requests passed on without a guard: no key header and a body that cannot be fingerprinted} */
    long getUnguarded();

    /**
     * {@return completions refused because a later claim of the same submission had already stored its record
     * (its fencing token was older): the submission ran twice, after a lock lost to its lease or a failover}
     */
    long getStaleCompletions();

    /**
     * {@return records of requests that ran but could not be stored (Redis failed or its master died before
     * the completion was written): each one's lock is released, so a repeat of it runs again}
     */
    long getFailedStores();

    /**
     * {@return Redis failovers noticed: a master with a new replication id (a promoted replica, or a master
     * restarted empty), each also logged once at WARN}
     */
    long getFailovers();

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

    /** {@return {@code UP}, or {@code DOWN} while Redis fails} */
    BackendState getBackendState();

    /** {@return the effective settings, as logged at start-up} */
    String getSettings();
}
