package io.tollgate.internal.submit;

import io.tollgate.internal.config.BackendFailurePolicy;
import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.Values;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.HttpToken;
import io.tollgate.internal.http.IpRange;
import io.tollgate.internal.http.UrlPatterns;
import io.tollgate.internal.ratelimit.Policy;

import io.tollgate.DoubleSubmitFilter;
import io.tollgate.Tollgate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Everything a {@link DoubleSubmitFilter} was configured with, parsed and checked once in {@code init()}. */
public final class DoubleSubmitSettings {

    /** Names only DoubleSubmitFilter takes, in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            DoubleSubmitFilter.PARAM_METHODS, DoubleSubmitFilter.PARAM_KEY_HEADER, DoubleSubmitFilter.PARAM_FINGERPRINT,
            DoubleSubmitFilter.PARAM_CLIENT, DoubleSubmitFilter.PARAM_MODE, DoubleSubmitFilter.PARAM_WINDOW,
            DoubleSubmitFilter.PARAM_KEY_WINDOW, DoubleSubmitFilter.PARAM_LOCK_LEASE,
            DoubleSubmitFilter.PARAM_WAIT_TIMEOUT, DoubleSubmitFilter.PARAM_MAX_BODY_BYTES,
            DoubleSubmitFilter.PARAM_MAX_RESPONSE_BYTES, DoubleSubmitFilter.PARAM_EXCLUDE,
            DoubleSubmitFilter.PARAM_TRUSTED_PROXIES, DoubleSubmitFilter.PARAM_CLIENT_IP_HEADER));

    static final long MAX_BODY_LIMIT = 64L << 20;
    static final long MAX_RESPONSE_LIMIT = 16L << 20;

    /** What a repeat gets. */
    public enum Mode { REJECT, REPLAY }

    private final SharedSettings shared;
    private final Set<String> methods;
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
    private final UrlPatterns exclude;
    private final List<IpRange> trustedProxies;
    private final String clientIpHeader;

    private DoubleSubmitSettings(SharedSettings shared, Set<String> methods, String keyHeader, boolean fingerprintBody,
            ClientIdentity client, Mode mode, Duration window, Duration keyWindow, Duration lockLease,
            Duration waitTimeout, long maxBodyBytes, long maxResponseBytes, UrlPatterns exclude,
            List<IpRange> trustedProxies, String clientIpHeader) {
        this.shared = shared;
        this.methods = methods;
        this.keyHeader = keyHeader;
        this.fingerprintBody = fingerprintBody;
        this.client = client;
        this.mode = mode;
        this.window = window;
        this.keyWindow = keyWindow;
        this.lockLease = lockLease;
        this.waitTimeout = waitTimeout;
        this.maxBodyBytes = maxBodyBytes;
        this.maxResponseBytes = maxResponseBytes;
        this.exclude = exclude;
        this.trustedProxies = trustedProxies;
        this.clientIpHeader = clientIpHeader;
    }

    /** Reads and checks every setting; throws {@link InvalidSettingException} naming the first bad one. */
    public static DoubleSubmitSettings parse(FilterParams p) {
        SharedSettings shared = SharedSettings.parse(p);
        if (shared.onBackendFailure() == BackendFailurePolicy.LOCAL) {
            throw p.invalid(Tollgate.PARAM_ON_BACKEND_FAILURE, "local applies to RateLimitFilter only;"
                    + " DoubleSubmitFilter takes allow or deny");
        }
        Set<String> methods = p.parse(DoubleSubmitFilter.PARAM_METHODS, DoubleSubmitFilter.DEFAULT_METHODS,
                t -> Policy.methods(Values.list(t)));
        String keyHeader = p.parse(DoubleSubmitFilter.PARAM_KEY_HEADER, DoubleSubmitFilter.DEFAULT_KEY_HEADER, t -> {
            if (!HttpToken.isToken(t)) {
                throw new IllegalArgumentException("must be an HTTP header name like Idempotency-Key");
            }
            return t;
        });
        boolean body = p.parse(DoubleSubmitFilter.PARAM_FINGERPRINT, DoubleSubmitFilter.DEFAULT_FINGERPRINT,
                t -> Values.oneOf(t, "body", "none").equals("body"));
        ClientIdentity client = p.parse(DoubleSubmitFilter.PARAM_CLIENT, DoubleSubmitFilter.DEFAULT_CLIENT,
                ClientIdentity::parse);
        Mode mode = p.parse(DoubleSubmitFilter.PARAM_MODE, DoubleSubmitFilter.DEFAULT_MODE,
                t -> Mode.valueOf(Values.oneOf(t, "reject", "replay").toUpperCase(Locale.ROOT)));
        Duration window = p.parse(DoubleSubmitFilter.PARAM_WINDOW, DoubleSubmitFilter.DEFAULT_WINDOW, Values::duration);
        Duration keyWindow = p.parse(DoubleSubmitFilter.PARAM_KEY_WINDOW, DoubleSubmitFilter.DEFAULT_KEY_WINDOW,
                Values::duration);
        Duration lease = p.parse(DoubleSubmitFilter.PARAM_LOCK_LEASE, DoubleSubmitFilter.DEFAULT_LOCK_LEASE, t -> {
            Duration d = Values.duration(t);
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("must be at least 100ms: it has to outlast the request it guards");
            }
            return d;
        });
        Duration wait = p.parse(DoubleSubmitFilter.PARAM_WAIT_TIMEOUT, DoubleSubmitFilter.DEFAULT_WAIT_TIMEOUT,
                Values::duration);
        long maxBody = p.parse(DoubleSubmitFilter.PARAM_MAX_BODY_BYTES, DoubleSubmitFilter.DEFAULT_MAX_BODY_BYTES, t -> {
            long n = Values.size(t);
            if (n > MAX_BODY_LIMIT) {
                throw new IllegalArgumentException("must be at most 64MB: bodies up to this size are held in memory");
            }
            return n;
        });
        long maxResponse = p.parse(DoubleSubmitFilter.PARAM_MAX_RESPONSE_BYTES,
                DoubleSubmitFilter.DEFAULT_MAX_RESPONSE_BYTES, t -> {
                    long n = Values.size(t);
                    if (n > MAX_RESPONSE_LIMIT) {
                        throw new IllegalArgumentException("must be at most 16MB: stored responses live in Redis");
                    }
                    return n;
                });
        UrlPatterns exclude = p.parse(DoubleSubmitFilter.PARAM_EXCLUDE, null, UrlPatterns::parse);
        List<IpRange> trusted = p.parse(DoubleSubmitFilter.PARAM_TRUSTED_PROXIES, null, IpRange::parseAll);
        String ipHeader = p.parse(DoubleSubmitFilter.PARAM_CLIENT_IP_HEADER, ClientIpResolver.DEFAULT_HEADER,
                ClientIpResolver::checkHeader);
        return new DoubleSubmitSettings(shared, methods, keyHeader, body, client, mode, window, keyWindow, lease, wait,
                maxBody, maxResponse, exclude, trusted == null ? Collections.emptyList() : trusted, ipHeader);
    }

    public SharedSettings shared() {
        return shared;
    }

    /** Whether the filter leaves this request alone: a method it does not guard, or an excluded path. */
    public boolean skips(jakarta.servlet.http.HttpServletRequest request) {
        return !methods.contains(request.getMethod()) || (exclude != null && exclude.matches(request));
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

    public ClientIpResolver clientIpResolver() {
        return new ClientIpResolver(trustedProxies, clientIpHeader);
    }

    /** Every field, as the filter logs it at start-up. */
    @Override
    public String toString() {
        return "methods=" + String.join(",", methods) + ", keyHeader=" + keyHeader
                + ", fingerprint=" + (fingerprintBody ? "body" : "none") + ", client=" + client
                + ", mode=" + mode.name().toLowerCase(Locale.ROOT) + ", window=" + Values.format(window)
                + ", keyWindow=" + Values.format(keyWindow) + ", lockLease=" + Values.format(lockLease)
                + (mode == Mode.REPLAY ? ", waitTimeout=" + Values.format(waitTimeout)
                        + ", maxResponseBytes=" + maxResponseBytes : "")
                + ", maxBodyBytes=" + maxBodyBytes + ", exclude=" + (exclude == null ? "-" : exclude)
                + ", trustedProxies=" + (trustedProxies.isEmpty() ? "-" : new ArrayList<>(trustedProxies))
                + ", clientIpHeader=" + clientIpHeader + ", " + shared;
    }
}
