package io.tollgate.internal.ratelimit;

import jakarta.servlet.http.HttpServletResponse;

import java.util.List;

/**
 * Writes the rate-limit headers: {@code RateLimit-Policy} and {@code RateLimit} of
 * draft-ietf-httpapi-ratelimit-headers (one item per limit), and/or the legacy
 * {@code X-RateLimit-Limit/-Remaining/-Reset} of the most constrained limit.
 */
final class RateLimitHeaders {

    static final String POLICY = "RateLimit-Policy";
    static final String RATE_LIMIT = "RateLimit";
    static final String LEGACY_LIMIT = "X-RateLimit-Limit";
    static final String LEGACY_REMAINING = "X-RateLimit-Remaining";
    static final String LEGACY_RESET = "X-RateLimit-Reset";

    private RateLimitHeaders() {
    }

    static void write(HttpServletResponse response, RateLimitSettings.HeaderStyle style, List<Policy> policies,
            RateDecision[] decisions) {
        if (style.draft) {
            StringBuilder limit = new StringBuilder(64);
            for (int p = 0; p < policies.size(); p++) {
                Policy pol = policies.get(p);
                RateDecision d = decisions[p];
                for (int i = 0; i < pol.limits().size(); i++) {
                    limit.append(limit.length() == 0 ? "" : ", ")
                            .append(pol.quotedItemName(i)).append(";r=").append(d.remaining(i))
                            .append(";t=").append(seconds(d.waitMillis(i)));
                }
            }
            response.setHeader(POLICY, policyHeader(policies));
            response.setHeader(RATE_LIMIT, limit.toString());
        }
        if (style.legacy) {
            long count = 0;
            long remaining = Long.MAX_VALUE;
            long wait = 0;
            for (int p = 0; p < policies.size(); p++) {
                List<Limit> limits = policies.get(p).limits();
                for (int i = 0; i < limits.size(); i++) {
                    long r = decisions[p].remaining(i);
                    long w = decisions[p].waitMillis(i);
                    if (r < remaining || (r == remaining && w > wait)) {
                        remaining = r;
                        wait = w;
                        count = limits.get(i).count();
                    }
                }
            }
            response.setHeader(LEGACY_LIMIT, Long.toString(count));
            response.setHeader(LEGACY_REMAINING, Long.toString(remaining));
            response.setHeader(LEGACY_RESET, Long.toString(seconds(wait)));
        }
    }

    /** {@code RateLimit-Policy}: the same for every request of one policy, built once per policy. */
    private static String policyHeader(List<Policy> policies) {
        if (policies.size() == 1) {
            return policies.get(0).draftPolicyItems();
        }
        StringBuilder policy = new StringBuilder();
        for (Policy p : policies) {
            policy.append(policy.length() == 0 ? "" : ", ").append(p.draftPolicyItems());
        }
        return policy.toString();
    }

    /** Whole seconds, rounded up: a client that waits this long is never early. */
    static long seconds(long millis) {
        return (millis + 999) / 1000;
    }
}
