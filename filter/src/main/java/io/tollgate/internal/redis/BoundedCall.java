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
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one path by which Tollgate waits on Redis: issue a call, wait for it within {@code backendTimeout},
 * classify how it ended, tell {@link BackendHealth}, and give back whatever Redis grants after the caller
 * stopped waiting (a permit, a lock). Every component (the filters, the outbound limiter, every rate-limit
 * engine) asks Redis through it; none re-implements the wait.
 *
 * <p>How a call ends ({@link Outcome}): answered; not asked (Redis is down and this is not the trial);
 * slow (no answer in time: this request takes the fallback alone); down (a connection-level failure);
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
        private static final Result<?> NOT_ASKED = new Result<>(Outcome.NOT_ASKED, null, null);

        private final Outcome outcome;
        private final T value;
        private final Throwable cause;

        private Result(Outcome outcome, T value, Throwable cause) {
            this.outcome = outcome;
            this.value = value;
            this.cause = cause;
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

    private final BackendHealth health;
    private final Duration timeout;

    public BoundedCall(BackendHealth health, Duration timeout) {
        this.health = health;
        this.timeout = timeout;
    }

    public BackendHealth health() {
        return health;
    }

    /** The bound of one call: {@code backendTimeout}. */
    public Duration timeout() {
        return timeout;
    }

    /** As {@link #call(Supplier, Duration, Consumer)}, waiting at most {@code backendTimeout}. */
    public <T> Result<T> call(Supplier<? extends CompletionStage<T>> call, Consumer<? super T> giveBack) {
        return call(call, timeout, giveBack);
    }

    /**
     * Issues {@code call} (unless Redis is down and this is not the trial) and waits at most {@code wait}.
     *
     * @param giveBack applied to an answer that arrives after the caller stopped waiting (null: nothing to
     *                 give back)
     */
    @SuppressWarnings("unchecked")
    public <T> Result<T> call(Supplier<? extends CompletionStage<T>> call, Duration wait, Consumer<? super T> giveBack) {
        if (!health.shouldAsk()) {
            return (Result<T>) Result.NOT_ASKED;
        }
        // the bound starts before the call: Redisson may spend part of it connecting on this thread
        long deadline = System.nanoTime() + wait.toNanos();
        CompletableFuture<T> answer;
        try {
            answer = call.get().toCompletableFuture();
        } catch (RuntimeException | Error e) {
            return failed(e, null, giveBack); // Redisson may throw at once, e.g. when it cannot connect
        }
        try {
            T value = answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            health.succeeded();
            return new Result<>(Outcome.ANSWERED, value, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveBackLate(answer, giveBack);
            return new Result<>(Outcome.INTERRUPTED, null, e);
        } catch (TimeoutException e) {
            return failed(e, answer, giveBack);
        } catch (ExecutionException | CancellationException e) {
            return failed(cause(e), answer, giveBack);
        }
    }

    /** A call nobody waited on (a lock released after the response) failed: tells the health as a waited one would. */
    public void failedUnwatched(Throwable error) {
        failed(error, null, null);
    }

    private <T> Result<T> failed(Throwable error, CompletableFuture<T> answer, Consumer<? super T> giveBack) {
        if (answer != null) {
            giveBackLate(answer, giveBack);
        }
        Outcome outcome = classify(error);
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
        return new Result<>(outcome, null, error);
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
