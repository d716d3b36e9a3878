package io.tollgate.internal.config;

import io.tollgate.BackendFailurePolicy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The settings every Tollgate filter (and an OutboundLimiter built on a ServletContext) takes, also from
 * {@code tollgate.NAME} context-params: where Redis is, how keys are named, what a Redis failure does.
 */
public final class SharedSettings {

    /** Single Redis server address. */
    public static final String PARAM_REDIS_ADDRESS = "redisAddress";
    /** Default of {@value #PARAM_REDIS_ADDRESS}. */
    public static final String DEFAULT_REDIS_ADDRESS = "redis://127.0.0.1:6379";
    /** Redisson YAML config; wins over the address. */
    public static final String PARAM_REDISSON_CONFIG = "redissonConfig";
    /** Prefix of every Redis key. */
    public static final String PARAM_KEY_PREFIX = "keyPrefix";
    /** Default of {@value #PARAM_KEY_PREFIX}. */
    public static final String DEFAULT_KEY_PREFIX = "tollgate:";
    /** What a request gets when Redis fails. */
    public static final String PARAM_ON_BACKEND_FAILURE = "onBackendFailure";
    /** Default of {@value #PARAM_ON_BACKEND_FAILURE}. */
    public static final String DEFAULT_ON_BACKEND_FAILURE = "local";
    /** Longest a request waits on Redis. */
    public static final String PARAM_BACKEND_TIMEOUT = "backendTimeout";
    /** Default of {@value #PARAM_BACKEND_TIMEOUT}. */
    public static final String DEFAULT_BACKEND_TIMEOUT = "500ms";

    /** Names of the shared settings, in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            PARAM_REDIS_ADDRESS, PARAM_REDISSON_CONFIG, PARAM_KEY_PREFIX,
            PARAM_ON_BACKEND_FAILURE, PARAM_BACKEND_TIMEOUT));

    static final Duration MAX_BACKEND_TIMEOUT = Duration.ofMinutes(1);

    private final String redisAddress;
    private final int database;
    private final String redissonConfig;
    private final String keyPrefix;
    private final BackendFailurePolicy onBackendFailure;
    private final Duration backendTimeout;

    private SharedSettings(String redisAddress, int database, String redissonConfig, String keyPrefix,
            BackendFailurePolicy onBackendFailure, Duration backendTimeout) {
        this.redisAddress = redisAddress;
        this.database = database;
        this.redissonConfig = redissonConfig;
        this.keyPrefix = keyPrefix;
        this.onBackendFailure = onBackendFailure;
        this.backendTimeout = backendTimeout;
    }

    /** Reads and checks the shared settings of one filter. */
    public static SharedSettings parse(FilterParams params) {
        URI address = params.parse(PARAM_REDIS_ADDRESS, DEFAULT_REDIS_ADDRESS,
                SharedSettings::redisUri);
        String path = address.getPath();
        int database = path != null && path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0;
        String withoutPath = address.getScheme() + "://" + (address.getRawUserInfo() == null ? ""
                : address.getRawUserInfo() + "@") + address.getHost() + ":" + port(address);
        String keyPrefix = params.parse(PARAM_KEY_PREFIX, DEFAULT_KEY_PREFIX, SharedSettings::checkKeyPrefix);
        BackendFailurePolicy onFailure = params.parse(PARAM_ON_BACKEND_FAILURE,
                DEFAULT_ON_BACKEND_FAILURE, t -> SettingFormats.keyword(t, BackendFailurePolicy.class));
        Duration timeout = params.parse(PARAM_BACKEND_TIMEOUT, DEFAULT_BACKEND_TIMEOUT,
                t -> checkBackendTimeout(SettingFormats.duration(t)));
        String config = params.parse(PARAM_REDISSON_CONFIG, null, t -> {
            ConfigResource.checkSyntax(t);
            return t;
        });
        return new SharedSettings(withoutPath, database, config, keyPrefix, onFailure, timeout);
    }

    /** Checks a {@code keyPrefix} (the filters' and OutboundLimiter's rule); throws stating the rule broken. */
    public static String checkKeyPrefix(String prefix) {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("must not contain { or } (Tollgate puts its own hash tags in keys)");
        }
        if (prefix.length() > 64) {
            throw new IllegalArgumentException("must be at most 64 characters");
        }
        return prefix;
    }

    /** Checks a {@code backendTimeout} (the filters' and OutboundLimiter's rule); throws stating the rule broken. */
    public static Duration checkBackendTimeout(Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("must be longer than zero");
        }
        if (timeout.compareTo(MAX_BACKEND_TIMEOUT) > 0) {
            throw new IllegalArgumentException("must be at most 1m: every request may wait this long");
        }
        return timeout;
    }

    private static URI redisUri(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be like redis://host:6379 or rediss://user:password@host:6380/0");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss")
                || scheme.equals("valkey") || scheme.equals("valkeys"))) {
            throw new IllegalArgumentException("must start with redis:// or rediss://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("has no host; write it like redis://host:6379");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("must not have a query or fragment; write it like redis://host:6379/0");
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1 && !path.substring(1).matches("\\d{1,7}")) {
            throw new IllegalArgumentException("path must be a database number like /0");
        }
        return uri;
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : 6379;
    }

    /** The single server address given to Redisson (no database path), when no {@code redissonConfig} is set. */
    public String redisAddress() {
        return redisAddress;
    }

    /** The Redis database number of {@code redisAddress} (its path, default 0). */
    public int database() {
        return database;
    }

    /** The location of a Redisson YAML config, or null. */
    public String redissonConfig() {
        return redissonConfig;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public BackendFailurePolicy onBackendFailure() {
        return onBackendFailure;
    }

    public Duration backendTimeout() {
        return backendTimeout;
    }

    /** Settings that shape the Redisson client: filters equal in these share one client. */
    public String clientSignature() {
        return (redissonConfig != null ? "config=" + redissonConfig : "address=" + redisAddress + "/" + database)
                + ";timeout=" + backendTimeout.toMillis();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SharedSettings)) {
            return false;
        }
        SharedSettings s = (SharedSettings) o;
        return redisAddress.equals(s.redisAddress) && database == s.database
                && Objects.equals(redissonConfig, s.redissonConfig) && keyPrefix.equals(s.keyPrefix)
                && onBackendFailure == s.onBackendFailure && backendTimeout.equals(s.backendTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(redisAddress, database, redissonConfig, keyPrefix, onBackendFailure, backendTimeout);
    }

    /** Every field, password masked. */
    @Override
    public String toString() {
        return (redissonConfig != null ? "redissonConfig=" + redissonConfig
                : "redisAddress=" + UriPasswords.mask(redisAddress) + (database == 0 ? "" : "/" + database))
                + ", keyPrefix=" + keyPrefix + ", onBackendFailure=" + SettingFormats.keyword(onBackendFailure)
                + ", backendTimeout=" + SettingFormats.format(backendTimeout);
    }
}
