package io.tollgate.outbound;

import io.tollgate.Algorithm;
import io.tollgate.BackendFailurePolicy;
import io.tollgate.BackendState;
import io.tollgate.Tollgate;
import io.tollgate.internal.outbound.OutboundSettings;

import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.LocalRateLimiter;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.ratelimit.engine.Engines;
import io.tollgate.internal.redis.RedissonClients;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.SettingFormats;
import jakarta.servlet.ServletContext;
import org.redisson.api.RedissonClient;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A named limit that application code takes permits from before calling a rate-limited external API:
 * "20 requests per second to the game API", kept by every thread of every app instance together,
 * through the same Redis sliding log as {@code RateLimitFilter}.
 *
 * <pre>{@code
 * OutboundLimiter gameApi = OutboundLimiter.builder("game-api", "20/1s, 1000/1h")
 *         .servletContext(servletContext)   // the filters' Redis client; or .redisson(client)
 *         .build();
 * HttpResponse<String> r = gameApi.call(() -> http.send(request, ofString()), Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Each permit is held for its period plus a margin (default 2% of the period, at least 50 ms), so that
 * the spread between taking a permit and the call reaching the provider (connection set-up, network)
 * cannot put one call too many into one of the provider's windows. Raise it when your calls' latency
 * varies more than that. Within one JVM, waiting callers are served first come,
 * first served; across instances, the waiters retry when a permit comes back, with a few milliseconds
 * of random jitter.
 *
 * <p>Thread-safe; create one per external API and share it. {@link #close()} gives back a Redis client
 * taken from a ServletContext.
 */
public final class OutboundLimiter implements AutoCloseable {

    /** What {@link #ask} answers when the waiting thread was interrupted. */
    private static final long INTERRUPTED = -1;

    private final String name;
    private final String limitsText;
    private final List<Limit> held;
    private final String key;
    private final RateLimiter redis;
    private final RateLimiter local;
    private final BackendAccess access;
    private final RedissonClients.Lease lease;
    private final ReentrantLock queue = new ReentrantLock(true);

    private OutboundLimiter(OutboundSettings settings, RedissonClient client, RedissonClients.Lease lease) {
        this.name = settings.name();
        this.limitsText = settings.limitsText();
        this.held = settings.held();
        this.key = settings.key();
        this.local = settings.onBackendFailure() == BackendFailurePolicy.LOCAL ? new LocalRateLimiter() : null;
        this.access = new BackendAccess("Tollgate OutboundLimiter [" + name + "]", settings.onBackendFailure(),
                settings.backendTimeout(), settings.maxWait());
        // many threads calling one API is one hot key: their requests share calls (HotKeyCombiner)
        this.redis = new Engines(client, java.util.EnumSet.of(settings.algorithm()), access);
        this.lease = lease;
    }

    /**
     * Starts a limiter named {@code name}.
     *
     * @param name   names the Redis key: every instance calling the same API must use the same
     * @param limits one or more {@code COUNT/PERIOD}, comma-separated, all kept: {@code 20/1s, 1000/1h}
     * @return a builder; {@link Builder#build()} checks the name and limits
     */
    public static Builder builder(String name, String limits) {
        return new Builder(name, limits);
    }

    /**
     * Starts a limiter named {@code name} whose limits are given with {@link Builder#limit(long, Duration)}.
     *
     * @param name names the Redis key: every instance calling the same API must use the same
     * @return a builder; {@link Builder#build()} checks the name and limits
     */
    public static Builder builder(String name) {
        return new Builder(name, null);
    }

    /** {@return the name, as given} */
    public String name() {
        return name;
    }

    /** {@return the limits, as given} */
    public String limits() {
        return limitsText;
    }

    /**
     * Takes a permit if one is free now; never waits on anything but Redis (at most the backend timeout).
     * When Redis is down or its call failed: {@code allow} answers true, {@code deny} false, {@code local}
     * asks this instance's in-memory limiter once Redis counts as down; while it is up, a late answer gives
     * no permit (a permit that reaches the caller late could let a call reach the provider outside the window
     * it was counted in).
     *
     * @return whether a permit was taken (false when the calling thread is interrupted: its flag stays set)
     */
    public boolean tryAcquire() {
        return ask(false) == 0;
    }

    /**
     * Waits up to {@code timeout} for a permit.
     *
     * @param timeout the longest to wait, including the wait for callers of this instance ahead in line
     * @throws PermitTimeoutException when none came in time
     * @throws BackendUnavailableException when Redis fails and the limiter denies in that case
     * @throws InterruptedException when interrupted while waiting, holding no permit (one Redis grants
     *                              after the interrupt is given back)
     */
    public void acquire(Duration timeout) throws PermitTimeoutException, InterruptedException {
        long nanos = nanos(timeout);
        long deadline = System.nanoTime() + nanos; // compared by difference, so a wrap is harmless
        if (!queue.tryLock(nanos, TimeUnit.NANOSECONDS)) {
            throw new PermitTimeoutException(name, limitsText, timeout);
        }
        try {
            while (true) {
                long waitMillis = ask(true);
                if (waitMillis == 0) {
                    return;
                }
                if (waitMillis == INTERRUPTED) {
                    Thread.interrupted(); // thrown instead, as waits do
                    throw new InterruptedException("OutboundLimiter [" + name + "] acquire interrupted; no permit held");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new PermitTimeoutException(name, limitsText, timeout);
                }
                // a few ms of jitter: waiters of several instances do not all ask at the same moment
                long wait = TimeUnit.MILLISECONDS.toNanos(waitMillis + ThreadLocalRandom.current().nextInt(1, 10));
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, left));
            }
        } finally {
            queue.unlock();
        }
    }

    /** A timeout in nanoseconds: none below zero, and at most about 146 years instead of an overflow. */
    private static long nanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2 : timeout.toNanos();
    }

    /**
     * Waits up to {@code timeout} for a permit, then makes the call.
     *
     * @param <T>     what the call returns
     * @param call    the call to the external API
     * @param timeout the longest to wait for the permit (the call itself is not bounded)
     * @return what the call returned
     * @throws PermitTimeoutException when no permit came in time (the call was not made)
     * @throws BackendUnavailableException when Redis fails and the limiter denies in that case
     * @throws Exception what the call threw
     */
    public <T> T call(Callable<T> call, Duration timeout) throws Exception {
        acquire(timeout);
        return call.call();
    }

    /**
     * Asks Redis (or, when it fails, applies onBackendFailure) for a permit: 0 when granted, else how many
     * milliseconds until one may be, or {@link #INTERRUPTED}.
     *
     * @param throwOnDeny whether a deny fallback throws (acquire) or answers "no permit" (tryAcquire)
     */
    private long ask(boolean throwOnDeny) {
        BackendAccess.Answer<RateDecision> answer = access.decideNow(() -> redis.tryAcquire(key, held), redis::release);
        if (answer.reason() == BackendAccess.Reason.INTERRUPTED) {
            return INTERRUPTED; // not a Redis failure: no fallback permit either
        }
        RateDecision d;
        switch (answer.route()) {
            case REDIS:
                d = answer.value();
                break;
            case LOCAL:
                d = local.tryAcquire(key, held).toCompletableFuture().join();
                break;
            case DENY:
                if (throwOnDeny) {
                    throw new BackendUnavailableException(name, answer.cause());
                }
                return Long.MAX_VALUE;
            case ALLOW:
                return 0;
            default: // Redis is up but gave no answer in time: no permit (given back when it comes), ask again soon
                return Math.max(1, access.backendTimeout().toMillis());
        }
        return d.admitted() ? 0 : Math.max(1, d.retryAfterMillis());
    }

    /** What {@link ProviderChain} needs to know: a permit, none, or none because Redis failed under deny. */
    enum Permit { GRANTED, NONE, BACKEND_UNAVAILABLE }

    /** As {@link #tryAcquire()}, telling "no permit" from "Redis failed and the limiter denies". */
    Permit tryPermit() {
        try {
            return ask(true) == 0 ? Permit.GRANTED : Permit.NONE; // interrupted: none
        } catch (BackendUnavailableException e) {
            return Permit.BACKEND_UNAVAILABLE;
        }
    }

    /**
     * Whether Redis answers, as this limiter sees it.
     *
     * @return {@code UP}, or {@code DOWN} while Redis fails
     */
    public BackendState backendState() {
        return access.state();
    }

    @Override
    public void close() {
        access.stop();
        if (lease != null) {
            lease.close();
        }
    }

    /** How an {@link OutboundLimiter} is set up. */
    public static final class Builder {
        private final String name;
        /** What this builder was given, checked by {@link #build()}. */
        private final OutboundSettings.Given given;
        private RedissonClient client;
        private ServletContext context;

        Builder(String name, String limits) {
            this.name = name;
            this.given = new OutboundSettings.Given(name, limits);
        }

        /**
         * Uses this Redis client.
         *
         * @param client the client; the limiter never shuts it down
         * @return this builder
         * @throws IllegalArgumentException when the client is null
         */
        public Builder redisson(RedissonClient client) {
            if (client == null) {
                throw new IllegalArgumentException("OutboundLimiter [" + name + "] redisson(client): the client must"
                        + " not be null");
            }
            this.client = client;
            return this;
        }

        /**
         * Uses the Redis client the webapp's Tollgate filters use (the one lent in the context attribute
         * {@value Tollgate#REDISSON_ATTRIBUTE}, or the one made from the {@code tollgate.*} context-params,
         * shared by reference count), and the context-params' key prefix, failure policy and timeout.
         *
         * @param context the webapp's context; {@link #close()} gives the client back
         * @return this builder
         * @throws IllegalArgumentException when the context is null
         */
        public Builder servletContext(ServletContext context) {
            if (context == null) {
                throw new IllegalArgumentException("OutboundLimiter [" + name + "] servletContext(context): the context"
                        + " must not be null");
            }
            this.context = context;
            return this;
        }

        /**
         * Sets the prefix of the Redis key.
         *
         * @param keyPrefix the prefix (default: the context-param's with {@link #servletContext}, else {@code tollgate:})
         * @return this builder
         */
        public Builder keyPrefix(String keyPrefix) {
            given.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * What happens when Redis fails: {@code allow}, {@code deny} or {@code local}, in lower case as in
         * web.xml.
         *
         * @param policy {@code allow}, {@code deny} or {@code local} (default: the context-param's with
         *               {@link #servletContext}, else {@code local})
         * @return this builder
         * @throws IllegalArgumentException for any other text
         */
        public Builder onBackendFailure(String policy) {
            try {
                return onBackendFailure(SettingFormats.keyword(policy, BackendFailurePolicy.class));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("onBackendFailure [" + policy + "] " + e.getMessage(), e);
            }
        }

        /**
         * What happens when Redis fails.
         *
         * @param policy the policy (default: the context-param's with {@link #servletContext}, else {@code LOCAL})
         * @return this builder
         */
        public Builder onBackendFailure(BackendFailurePolicy policy) {
            given.onBackendFailure = policy;
            return this;
        }

        /**
         * Sets the longest a call waits on Redis before the failure policy applies.
         *
         * @param timeout the bound (default: the context-param's with {@link #servletContext}, else 500ms)
         * @return this builder
         */
        public Builder backendTimeout(Duration timeout) {
            given.backendTimeout = timeout;
            return this;
        }

        /**
         * Sets the extra time each permit is held beyond its period.
         *
         * @param margin the margin, not negative and at most the shortest period (default: 2% of the period, at
         *               least 50 ms)
         * @return this builder
         */
        public Builder margin(Duration margin) {
            if (margin == null || margin.isNegative()) {
                throw new IllegalArgumentException("margin [" + margin + "] must be a duration, not negative");
            }
            given.margin = margin;
            return this;
        }

        /**
         * Adds a limit: at most {@code count} calls in any {@code period}; several are all kept.
         *
         * @param count  calls per period, at least 1
         * @param period the period, at least 1 ms
         * @return this builder
         */
        public Builder limit(long count, Duration period) {
            String limit = count + "/" + SettingFormats.format(period);
            given.limitsText = given.limitsText == null ? limit : given.limitsText + ", " + limit;
            return this;
        }

        /**
         * Chooses how the limits are kept in Redis (see {@link #algorithm(String)}).
         *
         * @param algorithm the algorithm (default: {@link Algorithm#SLIDING_LOG})
         * @return this builder
         */
        public Builder algorithm(Algorithm algorithm) {
            if (algorithm == null) {
                throw new IllegalArgumentException("OutboundLimiter [" + name + "] algorithm: must not be null");
            }
            given.algorithm = algorithm;
            return this;
        }

        /**
         * Chooses how the limits are kept in Redis, as RateLimitFilter's {@code algorithm} init-param:
         * {@code sliding-log} (default: a permit comes back one period after it was taken, so no window of the
         * provider ever sees more than the count), {@code token-bucket} (a permit every {@code period / count};
         * with {@link #burst} {@code 1} the calls are evenly spaced) or {@code rratelimiter} (Redisson's
         * {@code RRateLimiter}, named {@code <keyPrefix>out:{<name>}:<period>}, which other code can open with
         * {@code redisson.getRateLimiter(name)} and share; the margin does not apply to it).
         *
         * @param algorithm {@code sliding-log}, {@code token-bucket} or {@code rratelimiter}
         * @return this builder
         * @throws IllegalArgumentException for any other text
         */
        public Builder algorithm(String algorithm) {
            try {
                return algorithm(SettingFormats.keyword(algorithm, Algorithm.class));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("algorithm [" + algorithm + "] " + e.getMessage(), e);
            }
        }

        /**
         * {@code token-bucket} only: how many calls may go at once, one whole number per limit in the order the
         * limits were given. A token bucket admits up to {@code burst + count * t / period} calls in any span
         * {@code t}: to stay under a provider's "10 a second" in every second, use {@code 10/1s} with burst 1.
         *
         * @param burst one whole number per limit, comma-separated (default: each limit's count)
         * @return this builder
         */
        public Builder burst(String burst) {
            given.burst = burst;
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @return the limiter; close it when the webapp stops
         * @throws IllegalArgumentException naming a bad name, limit or setting
         */
        public OutboundLimiter build() {
            OutboundSettings settings = settings(null); // a bad name or limit is named first
            if (client != null) {
                return new OutboundLimiter(settings, client, null);
            }
            if (context == null) {
                throw new IllegalArgumentException("OutboundLimiter [" + name + "] needs redisson(client) or"
                        + " servletContext(context)");
            }
            SharedSettings shared = OutboundSettings.shared(context, name);
            RedissonClients.Lease lease;
            try {
                lease = RedissonClients.acquire(context, shared);
            } catch (io.tollgate.internal.config.InvalidSettingException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            return new OutboundLimiter(settings(shared), lease.client(), lease);
        }

        private OutboundSettings settings(SharedSettings shared) {
            if (given.limitsText == null) {
                throw new IllegalArgumentException("OutboundLimiter [" + name + "] needs limits: builder(name, limits)"
                        + " or limit(count, period)");
            }
            return OutboundSettings.of(given, shared);
        }
    }
}
