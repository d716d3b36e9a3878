package io.tollgate.outbound;

/**
 * Redis could not be asked for a permit (down, or slower than the backend timeout) and the limiter is
 * configured to deny in that case ({@code onBackendFailure=deny}).
 */
public class BackendUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BackendUnavailableException(String limiter, Throwable cause) {
        super("Outbound limit [" + limiter + "]: Redis is unavailable and onBackendFailure is deny", cause);
    }
}
