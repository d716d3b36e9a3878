/**
 * A filter's life cycle: start-up (settings, client, JMX), readiness, and shutdown.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.filter;
