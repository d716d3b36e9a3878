/**
 * HTTP plumbing: the client address behind trusted proxies, URL patterns, buffered request bodies, captured responses and problem+json answers.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.http;
