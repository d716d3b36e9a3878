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
    /** JNDI name of a RedissonClient the host provides (used as it is, never shut down). */
    public static final String PARAM_REDISSON_JNDI_NAME = "redissonJndiName";
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

    /** Longest a rate-limit request waits for a late answer while Redis is up ({@code local}). */
    public static final String PARAM_MAX_WAIT = "maxWait";
    /** Default of {@value #PARAM_MAX_WAIT}. */
    public static final String DEFAULT_MAX_WAIT = "5s";

    /** Names of the shared settings, in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            PARAM_REDIS_ADDRESS, PARAM_REDISSON_CONFIG, PARAM_REDISSON_JNDI_NAME, PARAM_KEY_PREFIX,
            PARAM_ON_BACKEND_FAILURE, PARAM_BACKEND_TIMEOUT, PARAM_MAX_WAIT));

    static final Duration MAX_BACKEND_TIMEOUT = Duration.ofMinutes(1);

    private final String redisAddress;
    private final int database;
    private final String redissonConfig;
    private final String keyPrefix;
    private final BackendFailurePolicy onBackendFailure;
    private final Duration backendTimeout;
    private final String redissonJndiName;
    private final List<String> clientSources;
    private final Duration maxWait;

    /** Reads and checks the shared settings of one filter. */
    public static SharedSettings parse(FilterParams params) {
        return new SharedSettings(params);
    }

    private SharedSettings(FilterParams params) {
        URI address = params.parse(PARAM_REDIS_ADDRESS, DEFAULT_REDIS_ADDRESS,
                SharedSettings::redisUri);
        String path = address.getPath();
        int database = path != null && path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0;
        String withoutPath = address.getScheme() + "://" + (address.getRawUserInfo() == null ? ""
                : address.getRawUserInfo() + "@") + address.getHost() + ":" + port(address);
        // unset, the prefix carries the webapp's identity: two webapps on one Redis never share a budget
        String keyPrefix = params.isSet(PARAM_KEY_PREFIX)
                ? params.parse(PARAM_KEY_PREFIX, null, SharedSettings::checkKeyPrefix)
                : webappPrefix(params.contextPath());
        BackendFailurePolicy onFailure = params.parse(PARAM_ON_BACKEND_FAILURE,
                DEFAULT_ON_BACKEND_FAILURE, t -> SettingFormats.keyword(t, BackendFailurePolicy.class));
        Duration timeout = params.parse(PARAM_BACKEND_TIMEOUT, DEFAULT_BACKEND_TIMEOUT,
                t -> checkBackendTimeout(SettingFormats.duration(t)));
        Duration maxWait = params.parse(PARAM_MAX_WAIT, null, t -> checkMaxWait(SettingFormats.duration(t), timeout));
        if (maxWait == null) { // the default, and never below a long backendTimeout
            maxWait = max(SettingFormats.duration(DEFAULT_MAX_WAIT), timeout);
        }
        String config = params.parse(PARAM_REDISSON_CONFIG, null, t -> {
            ConfigResource.checkSyntax(t);
            return t;
        });
        String jndiName = params.parse(PARAM_REDISSON_JNDI_NAME, null, SharedSettings::checkJndiName);
        List<String> sources = new java.util.ArrayList<>();
        for (String name : Arrays.asList(PARAM_REDISSON_JNDI_NAME, PARAM_REDISSON_CONFIG, PARAM_REDIS_ADDRESS)) {
            if (params.isSet(name)) {
                sources.add(params.describe(name));
            }
        }
        this.redisAddress = withoutPath;
        this.database = database;
        this.redissonConfig = config;
        this.redissonJndiName = jndiName;
        this.clientSources = Collections.unmodifiableList(sources);
        this.keyPrefix = keyPrefix;
        this.onBackendFailure = onFailure;
        this.backendTimeout = timeout;
        this.maxWait = maxWait;
    }

    /**
     * The key prefix of a webapp that does not set {@code keyPrefix}: {@value #DEFAULT_KEY_PREFIX} followed by
     * the webapp's context path and a colon ({@code tollgate:/shop:}; {@code tollgate:/:} for the root). Two
     * webapps on one server never share a budget or a submission record this way, while the same webapp
     * deployed at the same path on several servers does. Characters a key prefix may not hold (braces: the
     * hash tags are Tollgate's) and any outside printable ASCII are percent-encoded. Without a webapp
     * ({@code contextPath} null: settings read in code), {@value #DEFAULT_KEY_PREFIX} alone.
     */
    public static String webappPrefix(String contextPath) {
        if (contextPath == null) {
            return DEFAULT_KEY_PREFIX;
        }
        StringBuilder key = new StringBuilder(DEFAULT_KEY_PREFIX);
        if (contextPath.isEmpty()) {
            key.append('/');
        }
        for (byte b : contextPath.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '{' || c == '}' || c == '%') {
                key.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                key.append((char) c);
            }
        }
        return key.append(':').toString();
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

    private static String checkJndiName(String name) {
        if (name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("must be a JNDI name like java:comp/env/redisson/shared, without spaces");
        }
        return name;
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

    /** Checks a {@code maxWait} against its {@code backendTimeout}; throws stating the rule broken. */
    public static Duration checkMaxWait(Duration maxWait, Duration backendTimeout) {
        if (maxWait.compareTo(backendTimeout) < 0) {
            throw new IllegalArgumentException("must be at least backendTimeout (" + SettingFormats.format(backendTimeout)
                    + ")");
        }
        if (maxWait.compareTo(MAX_BACKEND_TIMEOUT) > 0) {
            throw new IllegalArgumentException("must be at most 1m: a request may wait this long");
        }
        return maxWait;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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

    /** The JNDI name of the host's RedissonClient, or null. */
    public String redissonJndiName() {
        return redissonJndiName;
    }

    /**
     * Where the settings name a Redis client ({@code redissonJndiName}, {@code redissonConfig},
     * {@code redisAddress}, those given), each as {@code init-param [name] was [value]}, password masked.
     */
    public List<String> clientSources() {
        return clientSources;
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

    /** How long a late rate-limit call is waited on while Redis is up ({@code local}); at least backendTimeout. */
    public Duration maxWait() {
        return maxWait;
    }

    /** Settings that shape the Redisson client: filters equal in these share one client. */
    public String clientSignature() {
        return (redissonJndiName != null ? "jndi=" + redissonJndiName
                : redissonConfig != null ? "config=" + redissonConfig : "address=" + redisAddress + "/" + database)
                + ";timeout=" + backendTimeout.toMillis() + ";maxWait=" + maxWait.toMillis();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SharedSettings)) {
            return false;
        }
        SharedSettings s = (SharedSettings) o;
        return redisAddress.equals(s.redisAddress) && database == s.database
                && Objects.equals(redissonConfig, s.redissonConfig)
                && Objects.equals(redissonJndiName, s.redissonJndiName) && keyPrefix.equals(s.keyPrefix)
                && onBackendFailure == s.onBackendFailure && backendTimeout.equals(s.backendTimeout)
                && maxWait.equals(s.maxWait);
    }

    @Override
    public int hashCode() {
        return Objects.hash(redisAddress, database, redissonConfig, redissonJndiName, keyPrefix, onBackendFailure, backendTimeout,
                maxWait);
    }

    /** Every field, password masked. */
    @Override
    public String toString() {
        return (redissonJndiName != null ? "redissonJndiName=" + redissonJndiName
                : redissonConfig != null ? "redissonConfig=" + redissonConfig
                : "redisAddress=" + UriPasswords.mask(redisAddress) + (database == 0 ? "" : "/" + database))
                + ", keyPrefix=" + keyPrefix + ", onBackendFailure=" + SettingFormats.keyword(onBackendFailure)
                + ", backendTimeout=" + SettingFormats.format(backendTimeout) + ", maxWait=" + SettingFormats.format(maxWait);
    }
}
