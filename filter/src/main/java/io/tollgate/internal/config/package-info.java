/**
 * Settings: reading init-params and context-params, placeholders, typed parsers of setting texts, and the settings both filters share.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.config;
