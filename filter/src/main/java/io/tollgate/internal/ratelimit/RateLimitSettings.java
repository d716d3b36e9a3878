package io.tollgate.internal.ratelimit;

import io.tollgate.internal.config.ConfigResource;
import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.Values;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.IpRange;
import io.tollgate.internal.http.UrlPatterns;

import io.tollgate.RateLimitFilter;
import jakarta.servlet.ServletContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/** Everything a {@link RateLimitFilter} was configured with, parsed and checked once in {@code init()}. */
public final class RateLimitSettings {

    /** Names only RateLimitFilter takes, in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            RateLimitFilter.PARAM_LIMITS, RateLimitFilter.PARAM_KEY, RateLimitFilter.PARAM_TRUSTED_PROXIES,
            RateLimitFilter.PARAM_CLIENT_IP_HEADER, RateLimitFilter.PARAM_EXCLUDE, RateLimitFilter.PARAM_METHODS,
            RateLimitFilter.PARAM_ENFORCE, RateLimitFilter.PARAM_STATUS_CODE, RateLimitFilter.PARAM_REJECT_WITH,
            RateLimitFilter.PARAM_HEADERS, RateLimitFilter.PARAM_RULES, RateLimitFilter.PARAM_NAME));

    /** How rejections are written. */
    public enum RejectWith { PROBLEM, ERROR_PAGE }

    /** Which rate-limit headers are sent. */
    public enum HeaderStyle {
        DRAFT(true, false), LEGACY(false, true), BOTH(true, true), NONE(false, false);

        final boolean draft;
        final boolean legacy;

        HeaderStyle(boolean draft, boolean legacy) {
            this.draft = draft;
            this.legacy = legacy;
        }
    }

    private final SharedSettings shared;
    private final List<Policy> policies;
    private final UrlPatterns exclude;
    private final Set<String> methods;
    private final boolean enforce;
    private final int statusCode;
    private final RejectWith rejectWith;
    private final HeaderStyle headers;
    private final List<IpRange> trustedProxies;
    private final String clientIpHeader;
    private final String rulesFile;

    private RateLimitSettings(SharedSettings shared, List<Policy> policies, UrlPatterns exclude, Set<String> methods,
            boolean enforce, int statusCode, RejectWith rejectWith, HeaderStyle headers, List<IpRange> trustedProxies,
            String clientIpHeader, String rulesFile) {
        this.shared = shared;
        this.policies = Collections.unmodifiableList(new ArrayList<>(policies));
        this.exclude = exclude;
        this.methods = methods;
        this.enforce = enforce;
        this.statusCode = statusCode;
        this.rejectWith = rejectWith;
        this.headers = headers;
        this.trustedProxies = Collections.unmodifiableList(new ArrayList<>(trustedProxies));
        this.clientIpHeader = clientIpHeader;
        this.rulesFile = rulesFile;
    }

    /** Reads and checks every setting; throws {@link InvalidSettingException} naming the first bad one. */
    public static RateLimitSettings parse(FilterParams p, ServletContext context) {
        SharedSettings shared = SharedSettings.parse(p);
        KeySpec key = p.parse(RateLimitFilter.PARAM_KEY, RateLimitFilter.DEFAULT_KEY, KeySpec::parse);
        List<Policy> policies;
        String rules = p.get(RateLimitFilter.PARAM_RULES);
        if (rules != null) {
            if (p.isSet(RateLimitFilter.PARAM_LIMITS)) {
                throw p.invalid(RateLimitFilter.PARAM_LIMITS, "cannot be set together with init-param [rules];"
                        + " put these limits in a rule");
            }
            if (p.isSet(RateLimitFilter.PARAM_NAME)) {
                throw p.invalid(RateLimitFilter.PARAM_NAME, "cannot be set together with init-param [rules];"
                        + " each rule has its own name");
            }
            policies = p.parse(RateLimitFilter.PARAM_RULES, null,
                    t -> RulesFile.parse(ConfigResource.read(context, t), key));
        } else {
            if (!p.isSet(RateLimitFilter.PARAM_LIMITS)) {
                throw p.invalid(RateLimitFilter.PARAM_LIMITS, "RateLimitFilter needs limits (like 100/1m)"
                        + " or a rules file");
            }
            List<Limit> limits = p.parse(RateLimitFilter.PARAM_LIMITS, null, Limit::parseAll);
            String name;
            if (p.isSet(RateLimitFilter.PARAM_NAME)) {
                name = p.parse(RateLimitFilter.PARAM_NAME, null, Policy::checkName);
            } else {
                name = p.filterName() == null ? "default" : p.filterName();
                try {
                    Policy.checkName(name);
                } catch (IllegalArgumentException e) {
                    throw p.invalid(RateLimitFilter.PARAM_NAME, "the filter-name [" + name
                            + "] cannot name the policy: a policy name " + e.getMessage() + "; set init-param [name]");
                }
            }
            policies = Collections.singletonList(new Policy(name, limits, key, null, null));
        }
        UrlPatterns exclude = p.parse(RateLimitFilter.PARAM_EXCLUDE, null, UrlPatterns::parse);
        Set<String> methods = p.parse(RateLimitFilter.PARAM_METHODS, null, t -> Policy.methods(Values.list(t)));
        boolean enforce = p.parse(RateLimitFilter.PARAM_ENFORCE, RateLimitFilter.DEFAULT_ENFORCE, Values::bool);
        int status = p.parse(RateLimitFilter.PARAM_STATUS_CODE, RateLimitFilter.DEFAULT_STATUS_CODE,
                t -> Values.integer(t, 400, 599));
        RejectWith rejectWith = p.parse(RateLimitFilter.PARAM_REJECT_WITH, RateLimitFilter.DEFAULT_REJECT_WITH,
                t -> Values.oneOf(t, "problem", "error-page").equals("problem") ? RejectWith.PROBLEM
                        : RejectWith.ERROR_PAGE);
        HeaderStyle headers = p.parse(RateLimitFilter.PARAM_HEADERS, RateLimitFilter.DEFAULT_HEADERS,
                t -> HeaderStyle.valueOf(Values.oneOf(t, "draft", "legacy", "both", "none")
                        .toUpperCase(java.util.Locale.ROOT)));
        List<IpRange> trusted = p.parse(RateLimitFilter.PARAM_TRUSTED_PROXIES, null, IpRange::parseAll);
        String ipHeader = p.parse(RateLimitFilter.PARAM_CLIENT_IP_HEADER, ClientIpResolver.DEFAULT_HEADER,
                ClientIpResolver::checkHeader);
        return new RateLimitSettings(shared, policies, exclude, methods, enforce, status, rejectWith, headers,
                trusted == null ? Collections.emptyList() : trusted, ipHeader, rules);
    }

    public SharedSettings shared() {
        return shared;
    }

    public List<Policy> policies() {
        return policies;
    }

    /** Whether the filter leaves this request alone: excluded path or a method it does not limit. */
    public boolean skips(jakarta.servlet.http.HttpServletRequest request) {
        return (methods != null && !methods.contains(request.getMethod()))
                || (exclude != null && exclude.matches(request));
    }

    public boolean enforce() {
        return enforce;
    }

    public int statusCode() {
        return statusCode;
    }

    public RejectWith rejectWith() {
        return rejectWith;
    }

    public HeaderStyle headers() {
        return headers;
    }

    public ClientIpResolver clientIpResolver() {
        return new ClientIpResolver(trustedProxies, clientIpHeader);
    }

    /** Every field, as the filter logs it at start-up. */
    @Override
    public String toString() {
        return (rulesFile == null ? "" : "rules=" + rulesFile + ", ") + "policies=" + policies
                + ", exclude=" + (exclude == null ? "-" : exclude)
                + ", methods=" + (methods == null ? "all" : String.join(",", methods))
                + ", enforce=" + enforce + ", statusCode=" + statusCode
                + ", rejectWith=" + (rejectWith == RejectWith.PROBLEM ? "problem" : "error-page")
                + ", headers=" + headers.name().toLowerCase(java.util.Locale.ROOT)
                + ", trustedProxies=" + (trustedProxies.isEmpty() ? "-" : trustedProxies)
                + ", clientIpHeader=" + clientIpHeader + ", " + shared;
    }
}
