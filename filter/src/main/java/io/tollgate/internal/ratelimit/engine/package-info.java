/**
 * The rate-limit engines, one per {@link io.tollgate.Algorithm}, each an {@link
 * io.tollgate.internal.ratelimit.engine.Engine} with its Lua script beside it as a resource of this package,
 * and {@link io.tollgate.internal.ratelimit.engine.Engines}, which finds each policy's engine in its catalog.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.ratelimit.engine;
