/**
 * The Redis engines behind {@code algorithm=token-bucket} and {@code algorithm=rratelimiter}, and
 * {@link io.tollgate.internal.ratelimit.engine.Engines}, which gives each policy the engine it names
 * ({@code sliding-log} is {@link io.tollgate.internal.ratelimit.RedisRateLimiter}).
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.ratelimit.engine;
