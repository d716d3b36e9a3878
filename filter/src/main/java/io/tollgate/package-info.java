/**
 * Tollgate's API for web.xml: the two filters, {@link io.tollgate.RateLimitFilter} (one shared rate limit
 * across every app instance) and {@link io.tollgate.DoubleSubmitFilter} (one of N identical submits runs),
 * the settings they share ({@link io.tollgate.Tollgate}), their MXBeans, and the enums users meet in
 * settings and JMX ({@link io.tollgate.BackendFailurePolicy}, {@link io.tollgate.BackendState},
 * {@link io.tollgate.Algorithm}). Application code calling rate-limited APIs uses
 * {@code io.tollgate.outbound}. Everything under {@code io.tollgate.internal} is not API.
 */
package io.tollgate;
