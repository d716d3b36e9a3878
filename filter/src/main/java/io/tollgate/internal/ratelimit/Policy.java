package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.http.CoveredMethods;


import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.http.UrlPatterns;

import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A named rate-limit policy: which requests it covers, whose budget they spend and the limits of that
 * budget. A filter with {@code limits} has one policy named by {@code name}; a {@code rules} file has one
 * per rule.
 */
public final class Policy {

    static final String NAME_RULE = "must be 1 to 64 printable ASCII characters without spaces, quotes,"
            + " backslashes or braces";

    private final String name;
    private final List<Limit> limits;
    private final KeySpec key;
    private final UrlPatterns paths;
    private final CoveredMethods methods;
    private final List<String> itemNames;
    /** Each limit's item name, quoted as the RateLimit headers carry it. */
    private final String[] quotedItemNames;
    /** This policy's items of the {@code RateLimit-Policy} header: the same for every request. */
    private final String draftPolicyItems;

    Policy(String name, List<Limit> limits, KeySpec key, UrlPatterns paths, CoveredMethods methods) {
        this.name = name;
        this.limits = limits;
        this.key = key;
        this.paths = paths;
        this.methods = methods;
        List<String> items = new ArrayList<>();
        for (Limit limit : limits) {
            items.add(limits.size() == 1 ? name : name + "-" + SettingFormats.format(limit.period()));
        }
        this.itemNames = Collections.unmodifiableList(items);
        this.quotedItemNames = new String[items.size()];
        StringBuilder policyItems = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            quotedItemNames[i] = "\"" + items.get(i) + "\"";
            policyItems.append(i == 0 ? "" : ", ").append(quotedItemNames[i]).append(";q=")
                    .append(limits.get(i).count()).append(";w=").append(limits.get(i).periodSeconds());
        }
        this.draftPolicyItems = policyItems.toString();
    }

    /** Checks a policy name: it appears in headers and, unhashed, in Redis keys. */
    public static String checkName(String name) {
        boolean ok = !name.isEmpty() && name.length() <= 64;
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c > 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '{' && c != '}';
        }
        if (!ok) {
            throw new IllegalArgumentException(NAME_RULE);
        }
        return name;
    }

    /** Whether this policy covers the request. */
    public boolean covers(HttpServletRequest request) {
        return (methods == null || methods.covers(request.getMethod()))
                && (paths == null || paths.matches(request));
    }

    public String name() {
        return name;
    }

    public List<Limit> limits() {
        return limits;
    }

    public KeySpec key() {
        return key;
    }

    /** How this policy's limits are kept in Redis. */
    public Algorithm algorithm() {
        return limits.get(0).algorithm();
    }

    /** The name of limit {@code i} in the RateLimit headers: the policy name, suffixed by period when several. */
    public String itemName(int i) {
        return itemNames.get(i);
    }

    /** {@link #itemName} in quotes, as the RateLimit headers carry it. */
    String quotedItemName(int i) {
        return quotedItemNames[i];
    }

    /** This policy's items of the {@code RateLimit-Policy} header ({@code "api";q=100;w=60}, one per limit). */
    String draftPolicyItems() {
        return draftPolicyItems;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(": ");
        for (int i = 0; i < limits.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(limits.get(i));
        }
        sb.append(" by ").append(key);
        if (algorithm() != Algorithm.SLIDING_LOG) {
            sb.append(" with ").append(algorithm());
        }
        if (paths != null) {
            sb.append(" on ").append(paths);
        }
        if (methods != null) {
            sb.append(" for ").append(methods);
        }
        return sb.toString();
    }
}
