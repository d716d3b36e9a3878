package io.tollgate.internal.outbound;

import io.tollgate.Algorithm;
import io.tollgate.BackendFailurePolicy;
import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.Policy;
import io.tollgate.internal.redis.RedisKeys;

import jakarta.servlet.ServletContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything an OutboundLimiter was built with, checked once: what its builder was given, and for what it
 * was not, the webapp's shared settings ({@code tollgate.*} context-params) when built on a ServletContext,
 * else the shared settings' defaults.
 */
public final class OutboundSettings {

    /** Least margin a permit is held beyond its period by default, in milliseconds. */
    public static final long DEFAULT_MARGIN_MILLIS = 50;

    private final String name;
    private final String limitsText;
    private final List<Limit> held;
    private final String key;
    private final BackendFailurePolicy onBackendFailure;
    private final Duration backendTimeout;
    private final Duration maxWait;

    /** What an OutboundLimiter's builder was given, as given (null: not given). */
    public static final class Given {
        final String name;
        /** The limits, {@code COUNT/PERIOD} comma-separated. */
        public String limitsText;
        public String keyPrefix;
        public BackendFailurePolicy onBackendFailure;
        public Duration backendTimeout;
        public Duration margin;
        public Algorithm algorithm = Algorithm.SLIDING_LOG;
        public String burst;

        public Given(String name, String limitsText) {
            this.name = name;
            this.limitsText = limitsText;
        }
    }

    /**
     * Checks what a builder was given; each setting not given falls back to {@code shared}, or without it
     * to the shared settings' default.
     *
     * @throws IllegalArgumentException naming a bad name or limit
     */
    public static OutboundSettings of(Given given, SharedSettings shared) {
        return new OutboundSettings(given, shared);
    }

    private OutboundSettings(Given given, SharedSettings shared) {
        String name = given.name;
        String limitsText = given.limitsText;
        String keyPrefix = given.keyPrefix;
        BackendFailurePolicy onBackendFailure = given.onBackendFailure;
        Duration backendTimeout = given.backendTimeout;
        Duration margin = given.margin;
        Algorithm algorithm = given.algorithm;
        String burst = given.burst;
        try {
            Policy.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("name [" + name + "] " + e.getMessage());
        }
        List<Limit> limits;
        try {
            limits = Limit.parseAll(limitsText, algorithm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("limits [" + limitsText + "]: " + e.getMessage(), e);
        }
        try {
            limits = Limit.policyLimits(limitsText, algorithm, burst);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("burst [" + burst + "] " + e.getMessage(), e);
        }
        if (margin != null) {
            Duration shortest = limits.get(0).period();
            for (Limit l : limits) {
                shortest = l.period().compareTo(shortest) < 0 ? l.period() : shortest;
            }
            // a permit held over twice its period is a wrong setting, and a huge margin would overflow the hold
            if (margin.compareTo(shortest) > 0) {
                throw new IllegalArgumentException("margin [" + margin + "] must be at most the shortest period ("
                        + shortest + ")");
            }
        }
        List<Limit> held = new ArrayList<>();
        for (Limit l : limits) {
            // an RRateLimiter keeps the period as given: application code opening it by name sees the same rate
            Duration m = algorithm == Algorithm.RRATELIMITER ? Duration.ZERO : margin != null ? margin
                    : Duration.ofMillis(Math.max(DEFAULT_MARGIN_MILLIS, l.period().toMillis() / 50));
            held.add(new Limit(l.count(), l.period().plus(m), l.burst(), l.algorithm()));
        }
        String prefix = keyPrefix != null ? checked("keyPrefix", keyPrefix, SharedSettings::checkKeyPrefix)
                : shared != null ? shared.keyPrefix() : SharedSettings.DEFAULT_KEY_PREFIX;
        BackendFailurePolicy onFailure = onBackendFailure != null ? onBackendFailure
                : shared != null ? shared.onBackendFailure()
                : SettingFormats.keyword(SharedSettings.DEFAULT_ON_BACKEND_FAILURE, BackendFailurePolicy.class);
        Duration timeout = backendTimeout != null
                ? checked("backendTimeout", backendTimeout, SharedSettings::checkBackendTimeout)
                : shared != null ? shared.backendTimeout() : SettingFormats.duration(SharedSettings.DEFAULT_BACKEND_TIMEOUT);
        // the webapp's maxWait (tollgate.maxWait), never below this limiter's backendTimeout
        Duration maxWait = shared != null ? shared.maxWait() : SettingFormats.duration(SharedSettings.DEFAULT_MAX_WAIT);
        this.name = name;
        this.limitsText = limitsText;
        this.held = Collections.unmodifiableList(held);
        this.key = algorithm == Algorithm.TOKEN_BUCKET ? RedisKeys.outboundBuckets(prefix, name)
                : RedisKeys.outbound(prefix, name);
        this.onBackendFailure = onFailure;
        this.backendTimeout = timeout;
        this.maxWait = maxWait.compareTo(timeout) >= 0 ? maxWait : timeout;
    }

    /** Applies one of the filters' checks to a builder value: the same rule, named like the builder's method. */
    private static <T> T checked(String name, T value, java.util.function.UnaryOperator<T> check) {
        try {
            return check.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " [" + value + "] " + e.getMessage(), e);
        }
    }

    /**
     * The webapp's shared settings, from its {@code tollgate.*} context-params.
     *
     * @throws IllegalArgumentException naming a bad context-param
     */
    public static SharedSettings shared(ServletContext context, String name) {
        try {
            return SharedSettings.parse(FilterParams.readContext(context, "outbound:" + name, "OutboundLimiter",
                    SharedSettings.NAMES));
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /** The limits, as given. */
    public String limitsText() {
        return limitsText;
    }

    /** How the limits are kept in Redis. */
    public Algorithm algorithm() {
        return held.get(0).algorithm();
    }

    /** The limits, each period lengthened by the margin: how long a permit is held. */
    public List<Limit> held() {
        return held;
    }

    /** The Redis key of the limiter's log. */
    public String key() {
        return key;
    }

    public BackendFailurePolicy onBackendFailure() {
        return onBackendFailure;
    }

    public Duration backendTimeout() {
        return backendTimeout;
    }

    /** How long a late call is waited on while Redis is up ({@code local}). */
    public Duration maxWait() {
        return maxWait;
    }
}
