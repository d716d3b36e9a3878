package io.tollgate.internal.redis;

import io.tollgate.BackendFailurePolicy;
import io.tollgate.internal.config.UriPasswords;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether Redis answers, as one component (a filter, an outbound limiter) sees it: {@code UP} or
 * {@code DOWN}. Down is evidence, not one slow call:
 *
 * <ul>
 * <li>a connection-level failure (refused, reset, no connection, {@code LOADING}, {@code READONLY} after a
 * failover, ...) marks Redis down at once: nothing on that connection will answer, so waiting is waste;
 * <li>a call slower than {@code backendTimeout} counts only when Redis answered nothing at all since it was
 * issued (see {@link #late}): while other calls are answered, Redis is alive, and the late call waited on one
 * slow connection or on an app server too busy to read its answer. Such calls mark it down only when, of the last {@value #WINDOW_CALLS}
 * calls, those that ended within the last {@value #WINDOW_SECONDS} s number at least {@value #MIN_CALLS}
 * and at least half of them failed. One slow call (a GC pause, a starved thread, one slow pooled connection)
 * costs that call alone, as a failure-rate circuit breaker (Resilience4j, Hystrix) would have it;
 * a hung Redis is recognised after {@value #MIN_CALLS} calls. While the filter's start-up call is pending
 * (the client is still connecting, say right after a deploy on a busy server) late calls never mark it
 * down: requests wait for the connection, each within {@code backendTimeout}, and are protected as soon
 * as it is up (a connection that fails is a connection-level failure);
 * <li>an error tied to one key or one script answer, and an interrupted wait, are never counted.
 * </ul>
 *
 * <p>While down, requests take the fallback at once and one trial call a second still asks Redis; its
 * answer brings protection back. Logs one WARN when Redis goes down and one INFO when it is back.
 */
public final class BackendHealth {

    private static final Logger LOG = LoggerFactory.getLogger(BackendHealth.class);
    static final long TRIAL_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Calls remembered for the failure rate. */
    static final int WINDOW_CALLS = 20;
    /** Calls older than this do not count. */
    static final int WINDOW_SECONDS = 5;
    /** Fewest recent calls before timeouts can mark Redis down: a hung Redis costs at most this many waits. */
    static final int MIN_CALLS = 5;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

    private final String logPrefix;
    private final String fallback;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean unexpectedLogged = new AtomicBoolean();
    /** While the start-up call is pending the client is still connecting: late calls cost their request alone. */
    private volatile boolean connecting;
    private final AtomicLong nextTrial = new AtomicLong();
    private final AtomicLong failuresWhileDown = new AtomicLong();
    private final LongAdder failures = new LongAdder();
    private final LongAdder slowCalls = new LongAdder();
    /** The last calls, each {@code nanoTime << 1 | failed}; 0 = empty slot. */
    private final AtomicLongArray recent = new AtomicLongArray(WINDOW_CALLS);
    private final AtomicLong sequence = new AtomicLong();
    /** When Redis last answered a call of this component (late answers too). */
    private final AtomicLong lastAnswer = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 4);
    /** Whether Redis has answered since start-up, or since it last went down (Redisson is connected). */
    private volatile boolean answering;
    /** Completed when Redis goes down, so that requests still waiting for a late answer stop at once. */
    private volatile CompletableFuture<Void> wentDown = new CompletableFuture<>();

    public BackendHealth(String logPrefix, BackendFailurePolicy onFailure) {
        this.logPrefix = logPrefix;
        this.fallback = fallbackOf(onFailure);
    }

    /** What requests are while Redis fails under this policy, as the log lines say it: "requests are ...". */
    private static String fallbackOf(BackendFailurePolicy onFailure) {
        switch (onFailure) {
            case DENY:
                return "denied";
            case LOCAL:
                return "checked by each instance on its own";
            default:
                return "let through unchecked";
        }
    }

    /**
     * Whether this request should ask Redis: always while it is up; while it is down, only the one trial
     * request per interval.
     */
    public boolean shouldAsk() {
        if (!down.get()) {
            return true;
        }
        long now = System.nanoTime();
        long next = nextTrial.get();
        return now - next >= 0 && nextTrial.compareAndSet(next, now + TRIAL_INTERVAL_NANOS);
    }

    /** Redis answered a call (whatever the answer, however late): it is alive. */
    public void succeeded() {
        lastAnswer.set(System.nanoTime());
        answering = true;
        record(false);
        if (down.get() && down.compareAndSet(true, false)) {
            wentDown = new CompletableFuture<>();
            LOG.info("{} Redis answers again; protection is back ({} requests took the fallback meanwhile)",
                    logPrefix, failuresWhileDown.getAndSet(0));
        }
    }

    /**
     * The client is connecting until {@code firstCall} (the start-up call) ends, however it ends: until then
     * late calls never mark Redis down (requests wait for the connection, each within backendTimeout).
     */
    public void connectingUntil(java.util.concurrent.CompletionStage<?> firstCall) {
        connecting = true;
        firstCall.whenComplete((v, e) -> connecting = false);
    }

    /** No connection to Redis, or Redis refuses to serve anyone (loading, read-only replica): down at once. */
    public void connectionFailed(Throwable cause) {
        failures.increment();
        record(true);
        markDown(cause);
    }

    /**
     * A call did not answer within {@code backendTimeout} (or Redis was too busy to run it): it takes the
     * fallback alone, unless most recent calls failed too, which marks Redis down.
     */
    public void slow(Throwable cause) {
        failures.increment();
        slowCalls.increment();
        failed(cause);
    }

    /** One more failed call in the window: down when most recent calls failed (never while connecting). */
    private void failed(Throwable cause) {
        record(true);
        if (down.get()) {
            nextTrial.set(System.nanoTime() + TRIAL_INTERVAL_NANOS); // a failed trial: the next one in a second
        } else if (!connecting && mostRecentCallsFailed()) {
            markDown(cause);
        }
    }

    /**
     * A call issued at {@code issuedAt} (a {@link System#nanoTime()}) had no answer within {@code backendTimeout}.
     * It is evidence against Redis only when Redis has answered nothing since that call was issued, and the
     * app server is not crowded: while other calls are answered meanwhile, Redis is alive and this call was
     * late on one connection, or on an app server too busy to read its answer in time (a cold JVM, a GC pause,
     * a saturated CPU). When many requests wait on Redis at once ({@code crowded}), silence says nothing yet:
     * from inside the JVM a flooded app server and a hung Redis look alike, so the call counts only if the
     * silence lasts until {@code maxWait} ({@link #stillSilent}).
     *
     * @return whether the call counted against Redis (silent, not crowded, not connecting): Redis looks hung,
     *         and waiting on for this answer is likely waste
     */
    public boolean late(Throwable cause, long issuedAt, boolean crowded) {
        failures.increment();
        slowCalls.increment();
        return !crowded && stillSilent(cause, issuedAt) && !connecting;
    }

    /**
     * A late call still has no answer: evidence against Redis if Redis answered nothing since it was issued.
     *
     * @return whether it was (the call counted as failed)
     */
    public boolean stillSilent(Throwable cause, long issuedAt) {
        if (lastAnswer.get() - issuedAt <= 0) {
            failed(cause);
            return true;
        }
        return false;
    }

    /** Whether Redis has answered since start-up, or since it last went down: Redisson is connected. */
    public boolean answering() {
        return answering;
    }

    /** Completes when Redis goes down (at once when it is down now). */
    public CompletableFuture<Void> wentDown() {
        return wentDown;
    }

    /** A call failed for its key alone (a key of the wrong type, a script error): never changes the state. */
    public void keyFailed() {
        failures.increment();
    }

    /**
     * A call failed with an Error or an exception that is neither Redis's nor its client's answer: an
     * incompatible Redisson on the class path ({@code NoSuchFieldError}, {@code NoSuchMethodError}, ...) or a
     * bug. Logged once at ERROR, with what to do (the call is counted as the failure it ended in).
     */
    public void unexpected(Throwable cause) {
        if (unexpectedLogged.compareAndSet(false, true)) {
            Throwable t = BoundedCall.cause(cause);
            if (t instanceof LinkageError) {
                LOG.error("{} cannot use the Redisson on its class path (Redisson {}; Tollgate runs on {} and later,"
                        + " 4.x included): requests are {}. Put a supported Redisson (and the Netty it needs) in"
                        + " WEB-INF/lib or the server's lib/, once (docs/deployment.md, \"Redisson versions\"): {}",
                        logPrefix, RedissonVersions.VERSION, RedissonVersions.OLDEST, fallback, describe(cause), cause);
            } else {
                LOG.error("{} a Redis call failed unexpectedly (Redisson {}); requests are {} whenever it does. Please"
                        + " report it with this stack trace: {}", logPrefix, RedissonVersions.VERSION, fallback,
                        describe(cause), cause);
            }
        }
    }

    private void markDown(Throwable cause) {
        answering = false;
        nextTrial.set(System.nanoTime() + TRIAL_INTERVAL_NANOS);
        CompletableFuture<Void> signal = wentDown;
        if (!down.get() && down.compareAndSet(false, true)) {
            signal.complete(null);
            LOG.warn("{} Redis is down (its connection failed, or most recent calls did); requests are {} until"
                    + " it answers again (one trial a second): {}", logPrefix, fallback, describe(cause));
        }
    }

    private void record(boolean failed) {
        int slot = (int) (sequence.getAndIncrement() % WINDOW_CALLS);
        long entry = System.nanoTime() << 1 | (failed ? 1 : 0);
        recent.set(slot, entry == 0 ? 2 : entry); // 0 marks an empty slot
    }

    /** At least {@value #MIN_CALLS} calls ended within the window, and at least half of them failed. */
    private boolean mostRecentCallsFailed() {
        long now = System.nanoTime();
        int calls = 0;
        int failed = 0;
        for (int i = 0; i < WINDOW_CALLS; i++) {
            long entry = recent.get(i);
            if (entry != 0 && now - (entry >> 1) <= WINDOW_NANOS) {
                calls++;
                failed += (int) (entry & 1);
            }
        }
        return calls >= MIN_CALLS && 2 * failed >= calls;
    }

    /** What requests are while Redis fails ("denied", ...), for log lines. */
    public String fallback() {
        return fallback;
    }

    /** A request decided without Redis (Redis failed, or was not asked because it is down). */
    public void fellBack() {
        if (down.get()) {
            failuresWhileDown.incrementAndGet();
        }
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

    /** Of {@link #failures()}, the calls that did not answer within backendTimeout. */
    public long slowCalls() {
        return slowCalls.sum();
    }

    /** The exception and its root cause, one line: what an operator needs to see in the WARN. */
    public static String describe(Throwable cause) {
        Throwable t = BoundedCall.cause(cause);
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
