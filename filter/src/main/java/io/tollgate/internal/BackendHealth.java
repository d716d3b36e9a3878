package io.tollgate.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether Redis answers, as one filter sees it: one WARN when it stops answering, one INFO when it is
 * back, never a log line per request.
 */
public final class BackendHealth {

    private static final Logger LOG = LoggerFactory.getLogger(BackendHealth.class);

    private final String logPrefix;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();

    public BackendHealth(String logPrefix) {
        this.logPrefix = logPrefix;
    }

    public void succeeded() {
        if (down.get() && down.compareAndSet(true, false)) {
            LOG.info("{} Redis answers again; limits are enforced again ({} requests fell back meanwhile)",
                    logPrefix, failures.getAndSet(0));
        }
    }

    public void failed(Throwable cause, String fallback) {
        failures.incrementAndGet();
        if (!down.get() && down.compareAndSet(false, true)) {
            LOG.warn("{} Redis failed or did not answer in time; requests are now {} until it answers: {}",
                    logPrefix, fallback, describe(cause));
        }
    }

    public boolean isDown() {
        return down.get();
    }

    static String describe(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
