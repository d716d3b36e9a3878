package io.tollgate.outbound;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** {@link OutboundLimiter#acquire(Duration)} found no permit in time. */
public class PermitTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    /** The limiter's name. */
    private final String limiter;
    /** How long the caller waited. */
    private final Duration waited;

    PermitTimeoutException(String limiter, String limits, Duration waited) {
        super("Outbound limit [" + limiter + "] (" + limits + "): no permit within " + waited.toMillis() + " ms");
        this.limiter = limiter;
        this.waited = waited;
    }

    /** {@return the limiter's name} */
    public String limiter() {
        return limiter;
    }

    /** {@return how long the caller waited} */
    public Duration waited() {
        return waited;
    }
}
