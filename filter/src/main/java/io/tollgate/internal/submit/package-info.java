/**
 * DoubleSubmitFilter's implementation: client identity, fingerprints, the submission guard on Redis locks and the stored records replayed to repeats.
 *
 * <p><b>Not API:</b> everything under {@code io.tollgate.internal} may change in any release; use
 * {@code io.tollgate} and {@code io.tollgate.outbound}.
 */
package io.tollgate.internal.submit;
