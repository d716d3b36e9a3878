package io.tollgate.internal.redis;

import io.tollgate.BackendFailurePolicy;
import io.tollgate.internal.config.UriPasswords;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether Redis answers, as one filter sees it. Once a call failed, requests stop paying
 * {@code backendTimeout} each: they take the fallback at once, while one trial request per second still
 * asks Redis, so that protection returns by itself within about a second of Redis answering again.
 * Logs one WARN when Redis stops answering and one INFO when it is back, never a line per request.
 */
public final class BackendHealth {

    private static final Logger LOG = LoggerFactory.getLogger(BackendHealth.class);
    static final long TRIAL_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String logPrefix;
    private final String fallback;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong nextTrial = new AtomicLong();
    private final AtomicLong failuresWhileDown = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    public BackendHealth(String logPrefix, BackendFailurePolicy onFailure) {
        this.logPrefix = logPrefix;
        this.fallback = onFailure.describe();
    }

    /**
     * Whether this request should ask Redis: always while it answers; while it does not, only the one
     * trial request per interval.
     */
    public boolean shouldAsk() {
        if (!down.get()) {
            return true;
        }
        long now = System.nanoTime();
        long next = nextTrial.get();
        return now - next >= 0 && nextTrial.compareAndSet(next, now + TRIAL_INTERVAL_NANOS);
    }

    public void succeeded() {
        if (down.get() && down.compareAndSet(true, false)) {
            LOG.info("{} Redis answers again; protection is back ({} requests took the fallback meanwhile)",
                    logPrefix, failuresWhileDown.getAndSet(0));
        }
    }

    public void failed(Throwable cause) {
        failures.increment();
        nextTrial.set(System.nanoTime() + TRIAL_INTERVAL_NANOS);
        if (!down.get() && down.compareAndSet(false, true)) {
            LOG.warn("{} Redis failed or did not answer in time; requests are {} until it answers again"
                    + " (one trial a second): {}", logPrefix, fallback, describe(cause));
        }
    }

    /** What requests are while Redis fails ("denied", ...), for log lines. */
    public String fallback() {
        return fallback;
    }

    /** A request decided by {@code onBackendFailure} (Redis failed, or was not asked because it is down). */
    public void fellBack() {
        fallbacks.increment();
        failuresWhileDown.incrementAndGet();
    }

    public boolean isDown() {
        return down.get();
    }

    /** {@code UP} or {@code DOWN}. */
    public String state() {
        return down.get() ? "DOWN" : "UP";
    }

    /** Redis calls that failed or did not answer within backendTimeout. */
    public long failures() {
        return failures.sum();
    }

    /** Requests decided by onBackendFailure. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    /** The exception and its root cause, one line: what an operator needs to see in the WARN. */
    static String describe(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // a driver's message may quote the address it was given, password included
        return UriPasswords.mask(line(t) + (root == t ? "" : " (cause: " + line(root) + ")"));
    }

    private static String line(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
