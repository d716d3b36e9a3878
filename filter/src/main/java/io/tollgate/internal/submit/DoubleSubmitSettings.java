package io.tollgate.internal.submit;

import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.HttpToken;
import io.tollgate.internal.filter.FilterSettings;
import io.tollgate.internal.filter.FilterLifecycle;


import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Everything a DoubleSubmitFilter was configured with, parsed and checked once in {@code init()}. */
public final class DoubleSubmitSettings implements FilterLifecycle.Settings {

    /** Default of {@code methods} for this filter. */
    public static final String DEFAULT_METHODS = "POST,PUT,PATCH,DELETE";
    /** A client-sent header naming the operation. */
    public static final String PARAM_KEY_HEADER = "keyHeader";
    /** Default of {@value #PARAM_KEY_HEADER}. */
    public static final String DEFAULT_KEY_HEADER = "Idempotency-Key";
    /** What identifies a request without a key header. */
    public static final String PARAM_FINGERPRINT = "fingerprint";
    /** Default of {@value #PARAM_FINGERPRINT}. */
    public static final String DEFAULT_FINGERPRINT = "body";
    /** Client identity. */
    public static final String PARAM_CLIENT = "client";
    /** Default of {@value #PARAM_CLIENT}. */
    public static final String DEFAULT_CLIENT = "auto";
    /** What a repeat gets. */
    public static final String PARAM_MODE = "mode";
    /** Default of {@value #PARAM_MODE}. */
    public static final String DEFAULT_MODE = "reject";
    /** How long after completion a repeat still counts (no key header). */
    public static final String PARAM_WINDOW = "window";
    /** Default of {@value #PARAM_WINDOW}. */
    public static final String DEFAULT_WINDOW = "10s";
    /** How long after completion a repeated key header still counts. */
    public static final String PARAM_KEY_WINDOW = "keyWindow";
    /** Default of {@value #PARAM_KEY_WINDOW}. */
    public static final String DEFAULT_KEY_WINDOW = "24h";
    /** Longest a lock outlives a crashed node. */
    public static final String PARAM_LOCK_LEASE = "lockLease";
    /** Default of {@value #PARAM_LOCK_LEASE}. */
    public static final String DEFAULT_LOCK_LEASE = "60s";
    /** Replay only: how long a repeat waits for the first. */
    public static final String PARAM_WAIT_TIMEOUT = "waitTimeout";
    /** Default of {@value #PARAM_WAIT_TIMEOUT}. */
    public static final String DEFAULT_WAIT_TIMEOUT = "10s";
    /** Bodies above are not fingerprinted. */
    public static final String PARAM_MAX_BODY_BYTES = "maxBodyBytes";
    /** Default of {@value #PARAM_MAX_BODY_BYTES}. */
    public static final String DEFAULT_MAX_BODY_BYTES = "1MB";
    /** Replay only: larger responses are not stored. */
    public static final String PARAM_MAX_RESPONSE_BYTES = "maxResponseBytes";
    /** Default of {@value #PARAM_MAX_RESPONSE_BYTES}. */
    public static final String DEFAULT_MAX_RESPONSE_BYTES = "64KB";

    /** Bytes of request bodies one filter holds at once; a request over it is guarded by key header only. */
    public static final String PARAM_MAX_BUFFERED_BYTES = "maxBufferedBytes";
    /** Default of {@value #PARAM_MAX_BUFFERED_BYTES}. */
    public static final String DEFAULT_MAX_BUFFERED_BYTES = "64MB";
    /** Replay only: bytes of stored responses one client may keep at once (per keyWindow). */
    public static final String PARAM_MAX_STORED_BYTES_PER_CLIENT = "maxStoredBytesPerClient";
    /** Default of {@value #PARAM_MAX_STORED_BYTES_PER_CLIENT}. */
    public static final String DEFAULT_MAX_STORED_BYTES_PER_CLIENT = "1MB";

    /** Replicas that must acknowledge a claim (WAIT) before it counts; 0: none. */
    public static final String PARAM_REPLICA_ACKS = "replicaAcks";
    /** Default of {@value #PARAM_REPLICA_ACKS}. */
    public static final String DEFAULT_REPLICA_ACKS = "0";
    static final int MAX_REPLICA_ACKS = 16;
    /** How long after a noticed failover claims are denied (503); 0: not at all. */
    public static final String PARAM_FAILOVER_GRACE = "failoverGrace";
    /** Default of {@value #PARAM_FAILOVER_GRACE}. */
    public static final String DEFAULT_FAILOVER_GRACE = "0";
    static final Duration MAX_FAILOVER_GRACE = Duration.ofMinutes(10);

    /** Names only DoubleSubmitFilter takes (besides the shared ones), in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            FilterSettings.PARAM_METHODS, PARAM_KEY_HEADER, PARAM_FINGERPRINT, PARAM_CLIENT, PARAM_MODE, PARAM_WINDOW,
            PARAM_KEY_WINDOW, PARAM_LOCK_LEASE, PARAM_WAIT_TIMEOUT, PARAM_MAX_BODY_BYTES, PARAM_MAX_RESPONSE_BYTES,
            PARAM_MAX_BUFFERED_BYTES, PARAM_MAX_STORED_BYTES_PER_CLIENT, PARAM_REPLICA_ACKS, PARAM_FAILOVER_GRACE, FilterSettings.PARAM_EXCLUDE, FilterSettings.PARAM_TRUSTED_PROXIES, FilterSettings.PARAM_CLIENT_IP_HEADER,
            FilterSettings.PARAM_IPV6_PREFIX));

    static final long MAX_BODY_LIMIT = 64L << 20;
    static final long MAX_RESPONSE_LIMIT = 16L << 20;
    static final long MAX_BUFFERED_LIMIT = 16L << 30;
    static final long MAX_STORED_LIMIT = 1L << 30;

    /** What a repeat gets. */
    public enum Mode { REJECT, REPLAY }

    /** What identifies a request without a key header. */
    enum Fingerprint { BODY, NONE }

    private final FilterSettings common;
    private final String keyHeader;
    private final boolean fingerprintBody;
    private final ClientIdentity client;
    private final Mode mode;
    private final Duration window;
    private final Duration keyWindow;
    private final Duration lockLease;
    private final Duration waitTimeout;
    private final long maxBodyBytes;
    private final long maxResponseBytes;
    private final long maxBufferedBytes;
    private final long maxStoredBytesPerClient;
    private final int replicaAcks;
    private final Duration failoverGrace;

    /** Reads and checks every setting; throws {@link InvalidSettingException} naming the first bad one. */
    public static DoubleSubmitSettings parse(FilterParams p) {
        return new DoubleSubmitSettings(p);
    }

    private DoubleSubmitSettings(FilterParams p) {
        this.common = FilterSettings.parse(p, DEFAULT_METHODS);
        this.keyHeader = p.parse(PARAM_KEY_HEADER, DEFAULT_KEY_HEADER, t -> {
            if (!HttpToken.isToken(t)) {
                throw new IllegalArgumentException("must be an HTTP header name like Idempotency-Key");
            }
            return t;
        });
        this.fingerprintBody = p.parse(PARAM_FINGERPRINT, DEFAULT_FINGERPRINT,
                t -> SettingFormats.keyword(t, Fingerprint.class) == Fingerprint.BODY);
        this.client = p.parse(PARAM_CLIENT, DEFAULT_CLIENT,
                ClientIdentity::parse);
        this.mode = p.parse(PARAM_MODE, DEFAULT_MODE,
                t -> SettingFormats.keyword(t, Mode.class));
        this.window = p.parse(PARAM_WINDOW, DEFAULT_WINDOW, SettingFormats::duration);
        this.keyWindow = p.parse(PARAM_KEY_WINDOW, DEFAULT_KEY_WINDOW,
                SettingFormats::duration);
        this.lockLease = p.parse(PARAM_LOCK_LEASE, DEFAULT_LOCK_LEASE, t -> {
            Duration d = SettingFormats.duration(t);
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("must be at least 100ms: it has to outlast the request it guards");
            }
            return d;
        });
        this.waitTimeout = p.parse(PARAM_WAIT_TIMEOUT, DEFAULT_WAIT_TIMEOUT,
                SettingFormats::duration);
        this.maxBodyBytes = p.parse(PARAM_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, t -> {
            long n = SettingFormats.size(t);
            if (n > MAX_BODY_LIMIT) {
                throw new IllegalArgumentException("must be at most 64MB: bodies up to this size are held in memory");
            }
            return n;
        });
        this.maxResponseBytes = p.parse(PARAM_MAX_RESPONSE_BYTES,
                DEFAULT_MAX_RESPONSE_BYTES, t -> {
                    long n = SettingFormats.size(t);
                    if (n > MAX_RESPONSE_LIMIT) {
                        throw new IllegalArgumentException("must be at most 16MB: stored responses live in Redis");
                    }
                    return n;
                });
        this.maxBufferedBytes = p.parse(PARAM_MAX_BUFFERED_BYTES, DEFAULT_MAX_BUFFERED_BYTES, t -> {
            long n = SettingFormats.size(t);
            if (n > MAX_BUFFERED_LIMIT) {
                throw new IllegalArgumentException("must be at most 16GB: it is heap");
            }
            return n;
        });
        this.maxStoredBytesPerClient = p.parse(PARAM_MAX_STORED_BYTES_PER_CLIENT, DEFAULT_MAX_STORED_BYTES_PER_CLIENT, t -> {
            long n = SettingFormats.size(t);
            if (n > MAX_STORED_LIMIT) {
                throw new IllegalArgumentException("must be at most 1GB: it is what one client may keep in Redis");
            }
            return n;
        });
        this.replicaAcks = p.parse(PARAM_REPLICA_ACKS, DEFAULT_REPLICA_ACKS,
                t -> SettingFormats.integer(t, 0, MAX_REPLICA_ACKS));
        this.failoverGrace = p.parse(PARAM_FAILOVER_GRACE, DEFAULT_FAILOVER_GRACE, t -> {
            if (t.trim().equals("0")) {
                return Duration.ZERO;
            }
            Duration d = SettingFormats.duration(t);
            if (d.compareTo(MAX_FAILOVER_GRACE) > 0) {
                throw new IllegalArgumentException("must be at most 10m: every guarded request is denied meanwhile");
            }
            return d;
        });
    }

    public SharedSettings shared() {
        return common.shared();
    }

    /** Whether the filter leaves this request alone: a method it does not guard, or an excluded path. */
    public boolean skips(jakarta.servlet.http.HttpServletRequest request) {
        return common.skips(request);
    }

    public String keyHeader() {
        return keyHeader;
    }

    public boolean fingerprintBody() {
        return fingerprintBody;
    }

    public ClientIdentity client() {
        return client;
    }

    public Mode mode() {
        return mode;
    }

    public Duration window() {
        return window;
    }

    public Duration keyWindow() {
        return keyWindow;
    }

    public Duration lockLease() {
        return lockLease;
    }

    public Duration waitTimeout() {
        return waitTimeout;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public long maxResponseBytes() {
        return maxResponseBytes;
    }

    public long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    public long maxStoredBytesPerClient() {
        return maxStoredBytesPerClient;
    }

    /** Replicas that must acknowledge a claim before it counts (0: the master's word is enough). */
    public int replicaAcks() {
        return replicaAcks;
    }

    /** How long after a noticed failover claims are denied (zero: not at all). */
    public Duration failoverGrace() {
        return failoverGrace;
    }

    public ClientIpResolver clientIpResolver() {
        return common.clientIpResolver();
    }

    /** Every field, as the filter logs it at start-up. */
    @Override
    public String toString() {
        return "methods=" + common.methodsText() + ", keyHeader=" + keyHeader
                + ", fingerprint=" + (fingerprintBody ? "body" : "none") + ", client=" + client
                + ", mode=" + SettingFormats.keyword(mode) + ", window=" + SettingFormats.format(window)
                + ", keyWindow=" + SettingFormats.format(keyWindow) + ", lockLease=" + SettingFormats.format(lockLease)
                + (mode == Mode.REPLAY ? ", waitTimeout=" + SettingFormats.format(waitTimeout)
                        + ", maxResponseBytes=" + maxResponseBytes
                        + ", maxStoredBytesPerClient=" + maxStoredBytesPerClient : "")
                + ", maxBodyBytes=" + maxBodyBytes + ", maxBufferedBytes=" + maxBufferedBytes
                + (replicaAcks > 0 ? ", replicaAcks=" + replicaAcks : "")
                + (failoverGrace.isZero() ? "" : ", failoverGrace=" + SettingFormats.format(failoverGrace)) + ", exclude=" + common.excludeText()
                + ", " + common.clientAndShared();
    }
}
