package io.tollgate.internal.redis;

/**
 * A request's seat in a Redis call it shares with other requests (a hot key's combined batch, see
 * {@code HotKeyCombiner}). Every request still waits on its own answer within its own bound through
 * {@link BoundedCall} and takes its own fallback when that bound expires, but {@link BackendHealth} hears
 * about the call once, from whoever made it ({@link BackendAccess#sharedCallEnded}), when it ends: one batch
 * of 200 requests is one call, and a request that spent its bound queued behind the call in flight does not
 * make Redis look slow.
 *
 * <p>The combiner takes the seat on the request's own thread while {@link BoundedCall} issues the call
 * ({@link #take}), and {@link BoundedCall} reads it back on that thread once the call is issued: no
 * signature between them changes, and nothing stays on the (container) thread. (A call BoundedCall issues
 * on one of its connecting threads, before Redis has first answered, finds no seat: that request tells the
 * health itself, as every request did before combining.)
 */
public final class SharedCall {

    private static final ThreadLocal<SharedCall> ISSUING = new ThreadLocal<>();

    private SharedCall() {
    }

    /** A seat for the request this thread is issuing; a request that never takes one counts as a call of its own. */
    public static SharedCall take() {
        SharedCall seat = new SharedCall();
        ISSUING.set(seat);
        return seat;
    }

    /** The seat taken while this thread issued its call, or null; clears it. */
    static SharedCall taken() {
        SharedCall seat = ISSUING.get();
        if (seat != null) {
            ISSUING.remove();
        }
        return seat;
    }
}
