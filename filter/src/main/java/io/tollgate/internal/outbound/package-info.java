/**
 * What an {@code io.tollgate.outbound.OutboundLimiter} is configured with.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.outbound;
