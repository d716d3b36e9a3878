package io.tollgate;

/**
 * What a {@link DoubleSubmitFilter} has done since it started, registered in JMX as
 * {@code io.tollgate:type=DoubleSubmitFilter,webapp=<context path>,name=<filter-name>}.
 */
public interface DoubleSubmitFilterMXBean {

    /** Submissions that ran: the first of their kind. */
    long getFirstSubmits();

    /** Repeats answered 409 (the first still running, or already done in reject mode). */
    long getDuplicates();

    /** Repeats answered with the first's stored response ({@code mode=replay}). */
    long getReplayed();

    /** Key headers reused for a different request (answered 422). */
    long getKeyReuses();

    /** Guarded-method requests passed on without a guard: no key header and a body that cannot be fingerprinted. */
    long getUnguarded();

    /** Redis calls that failed or did not answer within {@code backendTimeout}. */
    long getBackendFailures();

    /** Requests decided by {@code onBackendFailure} because Redis failed or was known to be down. */
    long getFallbackDecisions();

    /** {@code UP}, or {@code DOWN} while Redis fails. */
    BackendState getBackendState();

    /** The effective settings, as logged at start-up. */
    String getSettings();
}
