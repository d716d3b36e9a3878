/**
 * RateLimitFilter's implementation: limits, policies and keys, the limiters (Redis and in-process), the decision and the headers and answers it produces.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.ratelimit;
