package io.tollgate;

/**
 * Whether Redis answers, as one filter or {@link io.tollgate.outbound.OutboundLimiter} sees it: the
 * {@code BackendState} attribute of the filters' MXBeans (a string in JMX).
 */
public enum BackendState {
    /** Redis answers; requests are protected. */
    UP,
    /** Redis failed; requests take {@code onBackendFailure} at once, and one trial a second asks Redis again. */
    DOWN
}
