package io.tollgate.internal.redis;

import io.tollgate.BackendFailurePolicy;
import io.tollgate.BackendState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How one component (a filter, an outbound limiter) reaches Redis: its view of Redis's health, the bounded
 * call, and what a request gets when Redis gives no answer ({@code onBackendFailure}), in one place.
 *
 * <p><b>Exact while Redis is UP, however loaded the app server.</b> With {@code local}, a rate-limit call
 * that is late while Redis counts as {@code UP} keeps waiting for that same answer, up to {@code maxWait}
 * from its start: a late answer is still Redis's answer, and the shared budget decides. Only when
 * {@code maxWait} passes (or Redis goes {@code DOWN} meanwhile) does the request get an answer without Redis:
 * {@link Route#UNCONFIRMED} (the caller refuses it: 429 with {@code Retry-After}, no permit) while Redis is
 * still {@code UP}, the in-process fallback once it is {@code DOWN}. A Redis that is {@code DOWN} is not
 * waited on: the fallback applies within {@code backendTimeout}. {@code allow} and {@code deny} never wait
 * past {@code backendTimeout}: {@code deny} refuses a late call (so never admits beyond the budget),
 * {@code allow} lets it through by the user's choice.
 *
 * <p>Every request decided without Redis is counted by route and reason ({@link #decisionsWithoutRedis()}),
 * and summed up in one WARN line at most every {@value #SUMMARY_SECONDS} seconds.
 */
public final class BackendAccess {

    private static final Logger LOG = LoggerFactory.getLogger(BackendAccess.class);
    /** Seconds between two summary lines of requests decided without Redis. */
    static final int SUMMARY_SECONDS = 10;

    /** Who decided a request. */
    public enum Route {
        /** Redis answered (perhaps late, within maxWait). */
        REDIS,
        /** {@code local}: this instance on its own, in memory. */
        LOCAL,
        /** {@code allow}: the request passes unchecked. */
        ALLOW,
        /** {@code deny}: 503. */
        DENY,
        /** Redis is UP but gave no usable answer within maxWait: refused (429, no permit), never admitted. */
        UNCONFIRMED
    }

    /** Why a request was decided without Redis. */
    public enum Reason {
        /** Redis counts as DOWN: it failed on this call, or the call ended after it went down. */
        DOWN,
        /** Redis counts as DOWN and this request was not the trial: Redis was not asked. */
        NOT_ASKED,
        /** No answer within the bound ({@code backendTimeout}, or {@code maxWait} while waiting), or Redis too busy. */
        LATE,
        /** An error tied to this request's key or script answer ({@code WRONGTYPE}, a script error). */
        KEY_ERROR,
        /** The waiting thread was interrupted (its flag is set again). */
        INTERRUPTED
    }

    /** What one request gets: Redis's answer, or the route it takes without one, and why. */
    public static final class Answer<T> {
        private final Route route;
        private final Reason reason;
        private final T value;
        private final Throwable cause;

        Answer(Route route, Reason reason, T value, Throwable cause) {
            this.route = route;
            this.reason = reason;
            this.value = value;
            this.cause = cause;
        }

        /** Who decides this request. */
        public Route route() {
            return route;
        }

        /** Why Redis does not (null when it does). */
        public Reason reason() {
            return reason;
        }

        /** Redis's answer, when {@link #route()} is {@link Route#REDIS}. */
        public T value() {
            return value;
        }

        /** The failure behind a route without Redis, if any. */
        public Throwable cause() {
            return cause;
        }

        /** The same answer, Redis's value (if any) read by {@code f} on the caller's thread. */
        public <U> Answer<U> map(java.util.function.Function<? super T, ? extends U> f) {
            return new Answer<>(route, reason, value == null ? null : f.apply(value), cause);
        }
    }

    private final String logPrefix;
    private final BackendFailurePolicy policy;
    private final Duration backendTimeout;
    private final Duration maxWait;
    private final BackendHealth health;
    private final BoundedCall call;
    private final LongAdder lateAnswers = new LongAdder();
    private final Map<String, LongAdder> withoutRedis = new ConcurrentHashMap<>();
    private final LongAdder withoutRedisTotal = new LongAdder();
    private final AtomicLong nextSummary = new AtomicLong(System.nanoTime());
    private volatile Map<String, Long> summarised = new TreeMap<>();

    /**
     * One component's access to Redis, UP until evidence says otherwise.
     *
     * @param logPrefix      what every log line starts with: {@code Tollgate RateLimitFilter [api]}
     * @param policy         {@code onBackendFailure}
     * @param backendTimeout how long a call is waited on before it counts as late
     * @param maxWait        how long a late rate-limit call is waited on while Redis is UP ({@code local})
     */
    public BackendAccess(String logPrefix, BackendFailurePolicy policy, Duration backendTimeout, Duration maxWait) {
        this.logPrefix = logPrefix;
        this.policy = policy;
        this.backendTimeout = backendTimeout;
        this.maxWait = maxWait.compareTo(backendTimeout) > 0 ? maxWait : backendTimeout;
        this.health = new BackendHealth(logPrefix, policy);
        this.call = new BoundedCall(health, logPrefix);
    }

    /**
     * Connects now rather than on the first request, waiting at most {@code backendTimeout}; until that
     * first call ends, however it ends, late calls never mark Redis down (the client is still connecting).
     *
     * @return null when Redis answered in time, else what to say in the WARN
     */
    public String connect(Supplier<? extends CompletionStage<?>> firstCall) {
        BoundedCall.Result<Object> connected = call.call(() -> {
            CompletionStage<Object> first = firstCall.get().thenApply(v -> (Object) v);
            health.connectingUntil(first);
            return first;
        }, backendTimeout, null);
        if (connected.answered()) {
            return null;
        }
        return connected.cause() == null ? connected.outcome().toString() : BackendHealth.describe(connected.cause());
    }

    /**
     * A decision that must be exact while Redis is UP (a permit): under {@code local} a late call is waited
     * on up to {@code maxWait}, and refused ({@link Route#UNCONFIRMED}) if Redis is still UP without having
     * answered; under {@code allow} and {@code deny} the policy applies after {@code backendTimeout}.
     *
     * @param giveBack applied to an answer that arrives after the request stopped waiting
     */
    public <T> Answer<T> decide(Supplier<? extends CompletionStage<T>> redisCall, Consumer<? super T> giveBack) {
        Duration lateWait = policy == BackendFailurePolicy.LOCAL ? maxWait : backendTimeout;
        return answer(call.call(redisCall, backendTimeout, lateWait, giveBack), true);
    }

    /**
     * A decision that is exact while Redis answers, and runs on this instance's own guard when it does not (a
     * double-submit claim, whose {@code local} guard is already held when Redis is asked): under {@code local}
     * a late call is waited on up to {@code maxWait} as {@link #decide}'s, but one that stays unanswered (or
     * meets a Redis that looks hung) takes {@link Route#LOCAL}, not {@link Route#UNCONFIRMED}.
     */
    public <T> Answer<T> decideOrLocal(Supplier<? extends CompletionStage<T>> redisCall, Consumer<? super T> giveBack) {
        Duration lateWait = policy == BackendFailurePolicy.LOCAL ? maxWait : backendTimeout;
        return answer(call.call(redisCall, backendTimeout, lateWait, giveBack), false);
    }

    /**
     * A decision that must be exact while Redis is UP but may not be taken late (an outbound permit: its
     * period started when Redis granted it, so a permit that reaches the caller late would let a call reach
     * the provider outside the window it was counted in): under {@code local} a call without an answer within
     * {@code backendTimeout} is {@link Route#UNCONFIRMED} while Redis is UP (its permit, granted later, is
     * given back), {@code local} once it is DOWN.
     */
    public <T> Answer<T> decideNow(Supplier<? extends CompletionStage<T>> redisCall, Consumer<? super T> giveBack) {
        return answer(call.call(redisCall, backendTimeout, giveBack), true);
    }

    /** Redis's answer within {@code wait}, or null; not a decision, so not counted as one. */
    public <T> T await(Supplier<? extends CompletionStage<T>> redisCall, Duration wait, Consumer<? super T> giveBack) {
        BoundedCall.Result<T> result = call.call(redisCall, wait, giveBack);
        return result.answered() ? result.value() : null;
    }

    /** @param exact whether a late call under {@code local} while Redis is UP is refused rather than local */
    private <T> Answer<T> answer(BoundedCall.Result<T> result, boolean exact) {
        if (result.answered()) {
            if (result.late()) {
                lateAnswers.increment();
            }
            return new Answer<>(Route.REDIS, null, result.value(), null);
        }
        Reason reason = reason(result.outcome());
        Route route = fallback(reason, exact);
        counted(route, reason);
        return new Answer<>(route, reason, null, result.cause());
    }

    private Reason reason(BoundedCall.Outcome outcome) {
        switch (outcome) {
            case NOT_ASKED:
                return Reason.NOT_ASKED;
            case DOWN:
                return Reason.DOWN;
            case KEY_ERROR:
                return Reason.KEY_ERROR;
            case INTERRUPTED:
                return Reason.INTERRUPTED;
            default:
                // a late call that ended because Redis went down meanwhile is a DOWN decision
                return health.isDown() ? Reason.DOWN : Reason.LATE;
        }
    }

    /** The route of a request Redis did not decide: the policy, but never {@code local} for a late call while UP. */
    private Route fallback(Reason reason, boolean exact) {
        switch (policy) {
            case DENY:
                return Route.DENY;
            case ALLOW:
                return Route.ALLOW;
            default:
                // a key error is Redis's verdict on this key: waiting cannot mend it, so local decides
                return exact && (reason == Reason.LATE || reason == Reason.INTERRUPTED) ? Route.UNCONFIRMED
                        : Route.LOCAL;
        }
    }

    private void counted(Route route, Reason reason) {
        health.fellBack();
        withoutRedisTotal.increment();
        String key = name(route) + "/" + name(reason);
        withoutRedis.computeIfAbsent(key, k -> new LongAdder()).increment();
        long now = System.nanoTime();
        long next = nextSummary.get();
        if (now - next >= 0 && nextSummary.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(SUMMARY_SECONDS))) {
            Map<String, Long> totals = decisionsWithoutRedis();
            Map<String, Long> before = summarised;
            summarised = totals;
            StringBuilder since = new StringBuilder();
            long sum = 0;
            for (Map.Entry<String, Long> e : totals.entrySet()) {
                long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (n > 0) {
                    since.append(since.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(n);
                    sum += n;
                }
            }
            LOG.warn("{} {} request(s) decided without Redis since the last such line ({}); Redis is {}",
                    logPrefix, sum, since, health.state());
        }
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * A call several requests shared (a hot key's combined batch, {@link SharedCall}) ended: the health hears
     * of it once, as of one waited-on call (answered, however late: Redis answers; failed: that call's
     * failure). The requests that rode on it tell it nothing themselves.
     *
     * @param error why it failed; null when Redis answered
     */
    public void sharedCallEnded(Throwable error) {
        call.sharedCallEnded(error);
    }

    /** A call nobody waited on (a lock released after the response) failed: tells the health as a waited one would. */
    public void failedUnwatched(Throwable error) {
        call.failedUnwatched(error);
    }

    /** Stops the threads that issue calls while Redisson connects (the component stops). */
    public void stop() {
        call.stop();
    }

    /** What this component's log lines start with: {@code Tollgate RateLimitFilter [api]}. */
    public String logPrefix() {
        return logPrefix;
    }

    /** How long a call is waited on before it counts as late. */
    public Duration backendTimeout() {
        return backendTimeout;
    }

    /** {@code onBackendFailure}. */
    public BackendFailurePolicy policy() {
        return policy;
    }

    /** What requests are while Redis fails ("denied", ...), for log lines. */
    public String fallbackText() {
        return health.fallback();
    }

    /** {@code UP} or {@code DOWN}. */
    public BackendState state() {
        return health.isDown() ? BackendState.DOWN : BackendState.UP;
    }

    /** Redis calls that failed or did not answer within backendTimeout. */
    public long failures() {
        return health.failures();
    }

    /** Requests decided without Redis (every route but {@link Route#REDIS}). */
    public long fallbacks() {
        return withoutRedisTotal.sum();
    }

    /** Requests Redis answered after backendTimeout, waited for (within maxWait). */
    public long lateAnswers() {
        return lateAnswers.sum();
    }

    /** Requests decided without Redis, per {@code route/reason} ({@code local/down}, {@code unconfirmed/late}...). */
    public Map<String, Long> decisionsWithoutRedis() {
        Map<String, Long> out = new TreeMap<>();
        withoutRedis.forEach((k, n) -> out.put(k, n.sum()));
        return out;
    }
}
