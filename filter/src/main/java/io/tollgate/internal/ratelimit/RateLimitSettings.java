package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.config.ConfigResource;
import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.filter.FilterSettings;
import io.tollgate.internal.filter.FilterLifecycle;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.http.ClientIpResolver;

import jakarta.servlet.ServletContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/** Everything a RateLimitFilter was configured with, parsed and checked once in {@code init()}. */
public final class RateLimitSettings implements FilterLifecycle.Settings {

    /** One or more COUNT/PERIOD. */
    public static final String PARAM_LIMITS = "limits";
    /** Whose budget a request spends. */
    public static final String PARAM_KEY = "key";
    /** Default of {@value #PARAM_KEY}. */
    public static final String DEFAULT_KEY = "ip";
    /** {@code false} = dry run. */
    public static final String PARAM_ENFORCE = "enforce";
    /** Default of {@value #PARAM_ENFORCE}. */
    public static final String DEFAULT_ENFORCE = "true";
    /** Status of a rejection. */
    public static final String PARAM_STATUS_CODE = "statusCode";
    /** Default of {@value #PARAM_STATUS_CODE}. */
    public static final String DEFAULT_STATUS_CODE = "429";
    /** How a rejection is written. */
    public static final String PARAM_REJECT_WITH = "rejectWith";
    /** Default of {@value #PARAM_REJECT_WITH}. */
    public static final String DEFAULT_REJECT_WITH = "problem";
    /** Which rate-limit headers are sent. */
    public static final String PARAM_HEADERS = "headers";
    /** Default of {@value #PARAM_HEADERS}. */
    public static final String DEFAULT_HEADERS = "draft";
    /** A JSON file of named rules. */
    public static final String PARAM_RULES = "rules";
    /** The policy name. */
    public static final String PARAM_NAME = "name";
    /** How limits are kept in Redis. */
    public static final String PARAM_ALGORITHM = "algorithm";
    /** Default of {@value #PARAM_ALGORITHM}. */
    public static final String DEFAULT_ALGORITHM = "sliding-log";
    /** token-bucket only: how many requests may come at once, per limit. */
    public static final String PARAM_BURST = "burst";

    /** Names only RateLimitFilter takes (besides the shared ones), in documentation order. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            PARAM_LIMITS, PARAM_KEY, FilterSettings.PARAM_TRUSTED_PROXIES, FilterSettings.PARAM_CLIENT_IP_HEADER,
            FilterSettings.PARAM_IPV6_PREFIX,
            FilterSettings.PARAM_EXCLUDE, FilterSettings.PARAM_METHODS, PARAM_ENFORCE, PARAM_STATUS_CODE,
            PARAM_REJECT_WITH, PARAM_HEADERS, PARAM_RULES, PARAM_NAME, PARAM_ALGORITHM, PARAM_BURST));

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

    private final FilterSettings common;
    private final List<Policy> policies;
    private final boolean enforce;
    private final int statusCode;
    private final RejectWith rejectWith;
    private final HeaderStyle headers;
    private final String rulesFile;

    /** Reads and checks every setting; throws {@link InvalidSettingException} naming the first bad one. */
    public static RateLimitSettings parse(FilterParams p, ServletContext context) {
        return new RateLimitSettings(p, context);
    }

    private RateLimitSettings(FilterParams p, ServletContext context) {
        FilterSettings common = FilterSettings.parse(p, null);
        KeySpec key = p.parse(PARAM_KEY, DEFAULT_KEY, KeySpec::parse);
        Algorithm algorithm = p.parse(PARAM_ALGORITHM, DEFAULT_ALGORITHM, t -> SettingFormats.keyword(t, Algorithm.class));
        List<Policy> policies;
        String rules = p.get(PARAM_RULES);
        if (rules != null) {
            if (p.isSet(PARAM_BURST)) {
                throw p.invalid(PARAM_BURST, "cannot be set together with init-param [rules];"
                        + " give each rule its own burst");
            }
            if (p.isSet(PARAM_LIMITS)) {
                throw p.invalid(PARAM_LIMITS, "cannot be set together with init-param [rules];"
                        + " put these limits in a rule");
            }
            if (p.isSet(PARAM_NAME)) {
                throw p.invalid(PARAM_NAME, "cannot be set together with init-param [rules];"
                        + " each rule has its own name");
            }
            policies = p.parse(PARAM_RULES, null,
                    t -> RulesFile.parse(ConfigResource.read(context, t), key, algorithm));
        } else {
            if (!p.isSet(PARAM_LIMITS)) {
                throw p.invalid(PARAM_LIMITS, "RateLimitFilter needs limits (like 100/1m)"
                        + " or a rules file");
            }
            List<Limit> limits = p.parse(PARAM_LIMITS, null, t -> Limit.parseAll(t, algorithm));
            if (p.isSet(PARAM_BURST)) {
                String limitsText = p.get(PARAM_LIMITS);
                limits = p.parse(PARAM_BURST, null, t -> Limit.policyLimits(limitsText, algorithm, t));
            }
            String name;
            if (p.isSet(PARAM_NAME)) {
                name = p.parse(PARAM_NAME, null, Policy::checkName);
            } else {
                name = p.filterName() == null ? "default" : p.filterName();
                try {
                    Policy.checkName(name);
                } catch (IllegalArgumentException e) {
                    throw p.invalid(PARAM_NAME, "the filter-name [" + name
                            + "] cannot name the policy: a policy name " + e.getMessage() + "; set init-param [name]");
                }
            }
            policies = Collections.singletonList(new Policy(name, limits, key, null, null));
        }
        boolean enforce = p.parse(PARAM_ENFORCE, DEFAULT_ENFORCE, SettingFormats::bool);
        int status = p.parse(PARAM_STATUS_CODE, DEFAULT_STATUS_CODE,
                t -> SettingFormats.integer(t, 400, 599));
        RejectWith rejectWith = p.parse(PARAM_REJECT_WITH, DEFAULT_REJECT_WITH,
                t -> SettingFormats.keyword(t, RejectWith.class));
        HeaderStyle headers = p.parse(PARAM_HEADERS, DEFAULT_HEADERS,
                t -> SettingFormats.keyword(t, HeaderStyle.class));
        this.common = common;
        this.policies = Collections.unmodifiableList(new ArrayList<>(policies));
        this.enforce = enforce;
        this.statusCode = status;
        this.rejectWith = rejectWith;
        this.headers = headers;
        this.rulesFile = rules;
    }

    public SharedSettings shared() {
        return common.shared();
    }

    public List<Policy> policies() {
        return policies;
    }

    /** The algorithms the policies use (each needs its engine). */
    public Set<Algorithm> algorithms() {
        Set<Algorithm> used = java.util.EnumSet.noneOf(Algorithm.class);
        for (Policy policy : policies) {
            used.add(policy.algorithm());
        }
        return used;
    }

    /** Whether the filter leaves this request alone: excluded path or a method it does not limit. */
    public boolean skips(jakarta.servlet.http.HttpServletRequest request) {
        return common.skips(request);
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
        return common.clientIpResolver();
    }

    /** Every field, as the filter logs it at start-up. */
    @Override
    public String toString() {
        return (rulesFile == null ? "" : "rules=" + rulesFile + ", ") + "policies=" + policies
                + ", exclude=" + common.excludeText() + ", methods=" + common.methodsText()
                + ", enforce=" + enforce + ", statusCode=" + statusCode
                + ", rejectWith=" + SettingFormats.keyword(rejectWith) + ", headers=" + SettingFormats.keyword(headers)
                + ", " + common.clientAndShared();
    }
}
