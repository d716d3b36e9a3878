/**
 * Redis: the Redisson client registry, the backend health that decides when Redis counts as down, hashing of client-controlled key parts, and the hygiene of container threads.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.redis;
