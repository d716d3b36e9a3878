package io.tollgate;

import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.redis.RedissonClients;

/**
 * Names shared by every Tollgate filter: the shared settings, how to set them for the whole webapp,
 * and the ServletContext attribute through which an application lends Tollgate its own Redisson client.
 *
 * <p>Each shared setting may be given as a filter {@code <init-param>} named {@code NAME}, or for every
 * Tollgate filter of the webapp at once as a {@code <context-param>} named {@code tollgate.NAME}; the
 * init-param wins. Values may contain {@code ${NAME}} or {@code ${NAME:default}}, resolved from Java
 * system properties, then environment variables.
 */
public final class Tollgate {

    /** Prefix of a {@code <context-param>} that sets a shared setting for every Tollgate filter: {@value}. */
    public static final String CONTEXT_PARAM_PREFIX = FilterParams.CONTEXT_PARAM_PREFIX;

    /**
     * ServletContext attribute that may hold the application's own {@code org.redisson.api.RedissonClient}:
     * {@value}. When set before the filters start, they use it and never shut it down.
     */
    public static final String REDISSON_ATTRIBUTE = RedissonClients.REDISSON_ATTRIBUTE;

    /** Single Redis server, {@code redis://} or {@code rediss://}, with optional user and password. */
    public static final String PARAM_REDIS_ADDRESS = SharedSettings.PARAM_REDIS_ADDRESS;
    /** Default of {@value #PARAM_REDIS_ADDRESS}: {@value}. */
    public static final String DEFAULT_REDIS_ADDRESS = SharedSettings.DEFAULT_REDIS_ADDRESS;

    /**
     * Redisson YAML config ({@code /WEB-INF/redisson.yaml}, {@code classpath:x.yaml} or {@code file:/path});
     * wins over {@value #PARAM_REDIS_ADDRESS}. No default.
     */
    public static final String PARAM_REDISSON_CONFIG = SharedSettings.PARAM_REDISSON_CONFIG;

    /**
     * JNDI name of a {@code RedissonClient} the server provides (e.g. {@code java:comp/env/redisson/shared}; a
     * name without a scheme is looked up under {@code java:comp/env/}), used as it is and never shut down: one
     * client for every webapp of the server. Exclusive with {@value #PARAM_REDIS_ADDRESS},
     * {@value #PARAM_REDISSON_CONFIG} and {@value #REDISSON_ATTRIBUTE}. No default.
     */
    public static final String PARAM_REDISSON_JNDI_NAME = SharedSettings.PARAM_REDISSON_JNDI_NAME;

    /**
     * Prefix of every Redis key Tollgate writes. When not set, {@value #DEFAULT_KEY_PREFIX} followed by the
     * webapp's context path and a colon ({@code tollgate:/shop:}), so that webapps sharing a Redis never share
     * a budget; set the same value in several webapps to share.
     */
    public static final String PARAM_KEY_PREFIX = SharedSettings.PARAM_KEY_PREFIX;
    /** Default of {@value #PARAM_KEY_PREFIX}, followed by the webapp's context path: {@value}. */
    public static final String DEFAULT_KEY_PREFIX = SharedSettings.DEFAULT_KEY_PREFIX;

    /**
     * What a request gets when Redis is unreachable or slower than {@value #PARAM_BACKEND_TIMEOUT}:
     * {@code local} (the default: each instance on its own, in memory: the same limits for RateLimitFilter
     * and OutboundLimiter, the same guard for DoubleSubmitFilter), {@code allow} (it passes) or {@code deny}
     * (503 problem+json with {@code Retry-After}). A slow call costs that request alone; Redis counts as down
     * only on connection-level failures or when most recent calls failed.
     */
    public static final String PARAM_ON_BACKEND_FAILURE = SharedSettings.PARAM_ON_BACKEND_FAILURE;
    /** Default of {@value #PARAM_ON_BACKEND_FAILURE}: {@value}. */
    public static final String DEFAULT_ON_BACKEND_FAILURE = SharedSettings.DEFAULT_ON_BACKEND_FAILURE;

    /** Longest a request waits on Redis before {@value #PARAM_ON_BACKEND_FAILURE} applies. */
    public static final String PARAM_BACKEND_TIMEOUT = SharedSettings.PARAM_BACKEND_TIMEOUT;
    /** Default of {@value #PARAM_BACKEND_TIMEOUT}: {@value}. */
    public static final String DEFAULT_BACKEND_TIMEOUT = SharedSettings.DEFAULT_BACKEND_TIMEOUT;

    /**
     * Longest a rate-limited request (RateLimitFilter) waits for Redis's answer while Redis
     * counts as up, with {@value #PARAM_ON_BACKEND_FAILURE} {@code local}: a call later than
     * {@value #PARAM_BACKEND_TIMEOUT} keeps waiting for that answer (a late answer still comes from the shared
     * budget), and only after this long is the request refused (429 with {@code Retry-After}). At least
     * {@value #PARAM_BACKEND_TIMEOUT}, at most {@code 1m}.
     */
    public static final String PARAM_MAX_WAIT = SharedSettings.PARAM_MAX_WAIT;
    /** Default of {@value #PARAM_MAX_WAIT}: {@value} (or {@value #PARAM_BACKEND_TIMEOUT}, when that is longer). */
    public static final String DEFAULT_MAX_WAIT = SharedSettings.DEFAULT_MAX_WAIT;

    private Tollgate() {
    }
}
