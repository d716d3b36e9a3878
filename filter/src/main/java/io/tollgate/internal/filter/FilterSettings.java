package io.tollgate.internal.filter;

import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.CoveredMethods;
import io.tollgate.internal.http.IpRange;
import io.tollgate.internal.http.UrlPatterns;

import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The settings both filters take, parsed once for either: the shared (Redis) settings, which requests the
 * filter leaves alone ({@code methods}, {@code exclude}) and how it finds the client's address
 * ({@code trustedProxies}, {@code clientIpHeader}, {@code ipv6Prefix}).
 */
public final class FilterSettings {

    /** Methods the filter acts on, comma-separated. */
    public static final String PARAM_METHODS = "methods";
    /** Servlet URL patterns the filter leaves alone. */
    public static final String PARAM_EXCLUDE = "exclude";
    /** IPs and CIDRs of proxies whose client-address header is believed. */
    public static final String PARAM_TRUSTED_PROXIES = "trustedProxies";
    /** Header the trusted proxies write the client address into. */
    public static final String PARAM_CLIENT_IP_HEADER = "clientIpHeader";
    /** Default of {@value #PARAM_CLIENT_IP_HEADER}. */
    public static final String DEFAULT_CLIENT_IP_HEADER = ClientIpResolver.DEFAULT_HEADER;
    /** Prefix length IPv6 clients are keyed by. */
    public static final String PARAM_IPV6_PREFIX = "ipv6Prefix";
    /** Default of {@value #PARAM_IPV6_PREFIX}: one subscriber's usual allocation. */
    public static final String DEFAULT_IPV6_PREFIX = "64";

    private final SharedSettings shared;
    private final CoveredMethods methods;
    private final UrlPatterns exclude;
    private final List<IpRange> trustedProxies;
    private final String clientIpHeader;
    private final int ipv6Prefix;

    /**
     * Reads and checks the settings both filters take.
     *
     * @param defaultMethods the filter's default of {@code methods}; null for every method
     */
    public static FilterSettings parse(FilterParams p, String defaultMethods) {
        return new FilterSettings(p, defaultMethods);
    }

    private FilterSettings(FilterParams p, String defaultMethods) {
        SharedSettings shared = SharedSettings.parse(p);
        CoveredMethods methods = p.parse(PARAM_METHODS, defaultMethods, t -> CoveredMethods.of(SettingFormats.list(t)));
        UrlPatterns exclude = p.parse(PARAM_EXCLUDE, null, UrlPatterns::parse);
        List<IpRange> trusted = p.parse(PARAM_TRUSTED_PROXIES, null, IpRange::parseAll);
        String ipHeader = p.parse(PARAM_CLIENT_IP_HEADER, DEFAULT_CLIENT_IP_HEADER, ClientIpResolver::checkHeader);
        int ipv6Prefix = p.parse(PARAM_IPV6_PREFIX, DEFAULT_IPV6_PREFIX, ClientIpResolver::checkIpv6Prefix);
        this.shared = shared;
        this.methods = methods;
        this.exclude = exclude;
        this.trustedProxies = Collections.unmodifiableList(new ArrayList<>(trusted == null ? Collections.<IpRange>emptyList() : trusted));
        this.clientIpHeader = ipHeader;
        this.ipv6Prefix = ipv6Prefix;
    }

    /** The names of the settings both filters take, besides the shared ones. */
    public static List<String> names() {
        return Arrays.asList(PARAM_METHODS, PARAM_EXCLUDE, PARAM_TRUSTED_PROXIES, PARAM_CLIENT_IP_HEADER,
                PARAM_IPV6_PREFIX);
    }

    public SharedSettings shared() {
        return shared;
    }

    /**
     * Whether the filter leaves this request alone: a method it does not act on, or an excluded path (an
     * excluded extension only for GET and HEAD).
     */
    public boolean skips(HttpServletRequest request) {
        return (methods != null && !methods.covers(request.getMethod()))
                || (exclude != null && exclude.exempts(request));
    }

    public ClientIpResolver clientIpResolver() {
        return new ClientIpResolver(trustedProxies, clientIpHeader, ipv6Prefix);
    }

    /** {@code methods}, as the filters log it: {@code all} when every method. */
    public String methodsText() {
        return methods == null ? "all" : methods.toString();
    }

    /** {@code exclude}, as the filters log it. */
    public String excludeText() {
        return exclude == null ? "-" : exclude.toString();
    }

    /** {@code trustedProxies, clientIpHeader, ipv6Prefix} and the shared settings, as the filters log them. */
    public String clientAndShared() {
        return "trustedProxies=" + (trustedProxies.isEmpty() ? "-" : trustedProxies)
                + ", clientIpHeader=" + clientIpHeader + ", ipv6Prefix=" + ipv6Prefix + ", " + shared;
    }
}
