/**
 * Outbound throttling for application code: {@link io.tollgate.outbound.OutboundLimiter} takes permits
 * from a limit every instance shares before calling a rate-limited external API, and
 * {@link io.tollgate.outbound.ProviderChain} falls back across providers when one has no permit.
 */
package io.tollgate.outbound;
