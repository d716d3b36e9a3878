package io.tollgate.internal.redis;

import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisLoadingException;
import org.redisson.client.RedisClusterDownException;
import org.redisson.client.RedisNodeNotFoundException;
import org.redisson.client.RedisTimeoutException;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one path by which Tollgate waits on Redis: issue a call, wait for it within {@code backendTimeout}
 * (and, when asked, for a late answer up to {@code maxWait} while Redis is up), classify how it ended, tell
 * {@link BackendHealth}, and give back whatever Redis grants after the caller stopped waiting (a permit, a
 * lock). Only {@link BackendAccess} uses it; every component (the filters, the outbound limiter) asks Redis
 * through that, and none re-implements the wait.
 *
 * <p>How a call ends ({@link Outcome}): answered; not asked (Redis is down and this is not the trial);
 * slow (no answer in time, or Redis too busy: this request alone); down (a connection-level failure);
 * failed for its key alone ({@code WRONGTYPE}, a script error: this request alone, the state unchanged);
 * interrupted (never a Redis failure: the thread's interrupt flag is set again). An {@link Error} or an
 * unexpected exception raised on the way (a {@code NoSuchFieldError} from a Redisson Tollgate does not fit,
 * a bug) ends the call as a failed one too, for this request alone, and is logged once at ERROR.
 */
public final class BoundedCall {

    /** How a call ended. */
    public enum Outcome {
        /** Redis answered within the bound; {@link Result#value()} is its answer. */
        ANSWERED,
        /** Redis is down and this request was not the trial: nothing was sent. */
        NOT_ASKED,
        /** No answer within the bound, or Redis too busy: this request alone falls back. */
        SLOW,
        /** No connection to Redis, or it serves no one: Redis is now down. */
        DOWN,
        /** An error tied to this call's key or script answer: this request alone fails. */
        KEY_ERROR,
        /** The waiting thread was interrupted (its flag is set again); Redis is not blamed. */
        INTERRUPTED
    }

    /** The outcome of one bounded call, with Redis's answer when there was one. */
    public static final class Result<T> {
        private static final Result<?> NOT_ASKED = new Result<>(Outcome.NOT_ASKED, null, null, false);

        private final Outcome outcome;
        private final T value;
        private final Throwable cause;
        private final boolean late;

        private Result(Outcome outcome, T value, Throwable cause, boolean late) {
            this.outcome = outcome;
            this.value = value;
            this.cause = cause;
            this.late = late;
        }

        /** Whether Redis answered only after {@code backendTimeout}, and the caller waited for it. */
        public boolean late() {
            return late;
        }

        public Outcome outcome() {
            return outcome;
        }

        /** Whether Redis answered in time. */
        public boolean answered() {
            return outcome == Outcome.ANSWERED;
        }

        /** Redis's answer, when {@link #answered()}. */
        public T value() {
            return value;
        }

        /** Why there is no answer (null when answered or not asked). */
        public Throwable cause() {
            return cause;
        }
    }

    /**
     * More requests than this waiting on Redis at once and a late call says nothing about Redis yet (see
     * {@link BackendHealth#late}); fewer, and silence since the call was issued is evidence that it hangs.
     */
    static final int CROWDED = 8;

    private final BackendHealth health;
    /** Requests waiting on a call now. */
    private final AtomicInteger waiting = new AtomicInteger();

    /** At most two threads, gone after a second idle, that issue calls while Redisson may still be connecting. */
    private final java.util.concurrent.ThreadPoolExecutor connecting;

    BoundedCall(BackendHealth health, String name) {
        this.health = health;
        this.connecting = new java.util.concurrent.ThreadPoolExecutor(2, 2, 1, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name + " connecting");
                    t.setDaemon(true);
                    return t;
                });
        this.connecting.allowCoreThreadTimeOut(true);
    }

    /**
     * Issues {@code call} (unless Redis is down and this is not the trial) and waits at most {@code wait}: as
     * {@link #call(Supplier, Duration, Duration, Consumer)} without waiting for a late answer.
     */
    <T> Result<T> call(Supplier<? extends CompletionStage<T>> call, Duration wait, Consumer<? super T> giveBack) {
        return call(call, wait, wait, giveBack);
    }

    /**
     * Issues {@code call} (unless Redis is down and this is not the trial) and waits at most {@code wait}. When
     * that passes without an answer and {@code lateWait} is longer, keeps waiting for the same answer until
     * {@code lateWait} has passed since the call was issued, or until Redis goes down, whichever comes first;
     * not when Redis answered nothing at all since the call was issued while few requests wait (it looks hung).
     * An answer that comes within {@code lateWait} is {@link Outcome#ANSWERED} ({@link Result#late()}).
     *
     * @param giveBack applied to an answer that arrives after the caller stopped waiting (null: nothing to
     *                 give back)
     */
    @SuppressWarnings("unchecked")
    <T> Result<T> call(Supplier<? extends CompletionStage<T>> call, Duration wait, Duration lateWait,
            Consumer<? super T> giveBack) {
        if (!health.shouldAsk()) {
            return (Result<T>) Result.NOT_ASKED;
        }
        waiting.incrementAndGet();
        try {
            return waitFor(call, wait, lateWait, giveBack);
        } finally {
            waiting.decrementAndGet();
        }
    }

    private <T> Result<T> waitFor(Supplier<? extends CompletionStage<T>> call, Duration wait, Duration lateWait,
            Consumer<? super T> giveBack) {
        // the bound starts before the call: Redisson may spend part of it connecting on this thread
        long issued = System.nanoTime();
        long deadline = issued + wait.toNanos();
        CompletableFuture<T> answer;
        SharedCall.taken(); // none left over from elsewhere
        try {
            answer = health.answering() ? call.get().toCompletableFuture()
                    : issuedAside(call, issued + Math.max(wait.toNanos(), lateWait.toNanos()));
        } catch (RuntimeException | Error e) {
            SharedCall.taken();
            return failed(e, null, giveBack, true); // Redisson may throw at once, e.g. when it cannot connect
        }
        SharedCall seat = SharedCall.taken();
        try {
            T value = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (seat == null) {
                health.succeeded();
            }
            return new Result<>(Outcome.ANSWERED, value, null, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveBackLate(answer, giveBack);
            return new Result<>(Outcome.INTERRUPTED, null, e, false);
        } catch (TimeoutException e) {
            long lateDeadline = lateDeadline(issued, lateWait);
            boolean waitsOn = lateDeadline - deadline > 0;
            // only a call that may wait on judges crowding: the others' silence counts at once, as before
            boolean crowded = waitsOn && waiting.get() > CROWDED;
            // silent since it was issued, and few requests waiting: Redis looks hung, waiting on is waste. A
            // request riding on a shared call (SharedCall) is judged so too: its maker's end may come
            // only at the client's own timeout, and a hung Redis must be noticed within backendTimeout
            boolean hung = health.late(e, issued, crowded);
            // an answer, late or not, is told by a lone call itself and by a shared call's maker
            boolean tellsHealth = seat == null;
            return waitsOn && !hung ? awaitLate(answer, crowded ? issued : 0, lateDeadline, giveBack, tellsHealth)
                    : failedLate(e, answer, giveBack, tellsHealth);
        } catch (ExecutionException | CancellationException e) {
            return failed(cause(e), answer, giveBack, seat == null);
        }
    }

    private static long lateDeadline(long issued, Duration lateWait) {
        return issued + lateWait.toNanos();
    }

    /**
     * Until Redis has answered (after start-up, and after it was down) Redisson connects on the thread that
     * issues a call, for as long as its own timeouts say (seconds, against a Redis that accepts connections
     * but answers nothing): such a call is issued on one of this component's connecting threads, so that the
     * request still waits only within its bound. A call whose request stopped waiting before its turn is
     * not sent.
     */
    private <T> CompletableFuture<T> issuedAside(Supplier<? extends CompletionStage<T>> call, long lastUseful) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            connecting.execute(() -> {
                if (System.nanoTime() - lastUseful >= 0) {
                    answer.completeExceptionally(new TimeoutException("not sent: no one waits for it any more"));
                    return;
                }
                try {
                    CompletionStage<T> issued = call.get();
                    SharedCall.taken(); // a seat taken on this thread is nobody's: that request tells the health
                    issued.whenComplete((v, e) -> {
                        if (e != null) {
                            answer.completeExceptionally(e);
                        } else {
                            answer.complete(v);
                        }
                    });
                } catch (RuntimeException | Error e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            answer.completeExceptionally(new TimeoutException("not sent: the component is stopping"));
        }
        return answer;
    }

    /** Stops the connecting threads (the component stops). */
    void stop() {
        connecting.shutdownNow();
    }

    /**
     * The call is late (no answer within backendTimeout): waits for its answer until {@code lateDeadline} or
     * until Redis goes down.
     *
     * @param crowdedSince when the call was issued, if it was not judged at backendTimeout (crowded); else 0
     */
    private <T> Result<T> awaitLate(CompletableFuture<T> answer, long crowdedSince, long lateDeadline,
            Consumer<? super T> giveBack, boolean tellsHealth) {
        try {
            CompletableFuture.anyOf(answer, health.wentDown())
                    .get(Math.max(0, lateDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (answer.isDone()) {
                T value = answer.get();
                if (tellsHealth) {
                    health.succeeded();
                }
                return new Result<>(Outcome.ANSWERED, value, null, true);
            }
            return failedLate(new TimeoutException("no answer before Redis went down"), answer, giveBack,
                    tellsHealth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveBackLate(answer, giveBack);
            return new Result<>(Outcome.INTERRUPTED, null, e, false);
        } catch (TimeoutException e) {
            if (crowdedSince != 0) {
                health.stillSilent(e, crowdedSince); // silent for all of maxWait: evidence, however crowded
            }
            return failedLate(e, answer, giveBack, tellsHealth);
        } catch (ExecutionException | CancellationException e) {
            return failed(cause(e), answer, giveBack, tellsHealth);
        }
    }

    /** No answer in time (already told to the health): an answer that still comes tells it Redis is alive. */
    private <T> Result<T> failedLate(TimeoutException late, CompletableFuture<T> answer, Consumer<? super T> giveBack,
            boolean tellsHealth) {
        if (tellsHealth) {
            answer.whenComplete((v, e) -> {
                if (e == null) {
                    health.succeeded();
                }
            });
        }
        giveBackLate(answer, giveBack);
        return new Result<>(Outcome.SLOW, null, late, false);
    }

    /** A call nobody waited on (a lock released after the response) failed: tells the health as a waited one would. */
    void failedUnwatched(Throwable error) {
        failed(error, null, null, true);
    }

    /**
     * A call several requests shared ({@link SharedCall}) ended: tells the health once, as one waited-on call
     * would have. An answer, however late, is Redis answering (a late answer is still Redis's answer); a
     * failure counts as that call's failure (Redisson's own timeout: slow; no connection: down).
     *
     * @param error why it failed; null when Redis answered
     */
    void sharedCallEnded(Throwable error) {
        if (error != null) {
            failed(error, null, null, true);
        } else {
            health.succeeded();
        }
    }

    /** @param tellsHealth false for a request riding on a shared call, which its maker reports ({@link SharedCall}) */
    private <T> Result<T> failed(Throwable error, CompletableFuture<T> answer, Consumer<? super T> giveBack,
            boolean tellsHealth) {
        if (answer != null) {
            giveBackLate(answer, giveBack);
        }
        Outcome outcome = classify(error);
        if (!tellsHealth) {
            return new Result<>(outcome, null, error, false);
        }
        if (unexpected(error)) {
            health.unexpected(error);
        }
        switch (outcome) {
            case DOWN:
                health.connectionFailed(error);
                break;
            case KEY_ERROR:
                health.keyFailed();
                break;
            default:
                health.slow(error);
        }
        return new Result<>(outcome, null, error, false);
    }

    private static <T> void giveBackLate(CompletableFuture<T> answer, Consumer<? super T> giveBack) {
        if (giveBack != null) {
            answer.thenAccept(giveBack);
        }
    }

    /**
     * The failure a future's wrapper ({@link CompletionException}, {@link ExecutionException}) stands for:
     * the one place such wrappers are taken off.
     */
    public static Throwable cause(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** SLOW, DOWN or KEY_ERROR: what a failed call says about Redis. */
    static Outcome classify(Throwable error) {
        Throwable t = cause(error);
        if (t instanceof TimeoutException || t instanceof RedisTimeoutException) {
            return Outcome.SLOW;
        }
        if (t instanceof RedisConnectionException || t instanceof RedisNodeNotFoundException
                || t instanceof RedisLoadingException || RedissonVersions.servesNoOne(t)
                || t instanceof RedisClusterDownException
                || t instanceof org.redisson.RedissonShutdownException || t instanceof IOException) {
            return Outcome.DOWN;
        }
        if (t instanceof RedisException) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            // an error reply about this key or this script; Redis itself is fine
            if (message.startsWith("WRONGTYPE") || message.startsWith("ERR") || message.startsWith("NOSCRIPT")) {
                return Outcome.KEY_ERROR;
            }
            if (t.getCause() instanceof IOException) {
                return Outcome.DOWN;
            }
            return Outcome.SLOW; // BUSY, TRYAGAIN, OOM, a closed channel: counted towards the failure rate
        }
        if (t instanceof IllegalStateException || t instanceof ClassCastException
                || t instanceof IllegalMonitorStateException) {
            return Outcome.KEY_ERROR; // an answer this call could not use
        }
        if (unexpected(t)) {
            return Outcome.KEY_ERROR; // not Redis's doing (an incompatible Redisson, a bug): this request alone
        }
        return Outcome.SLOW;
    }

    /** An Error, or an exception neither Redis nor Redisson's waiting explains (a LinkageError, a bug). */
    static boolean unexpected(Throwable error) {
        Throwable t = cause(error);
        if (t instanceof Error) {
            return true;
        }
        return t instanceof RuntimeException && !(t instanceof RedisException) && !(t instanceof CancellationException)
                && !(t instanceof IllegalStateException) && !(t instanceof ClassCastException)
                && !(t instanceof IllegalMonitorStateException) && !t.getClass().getName().startsWith("org.redisson.");
    }
}
