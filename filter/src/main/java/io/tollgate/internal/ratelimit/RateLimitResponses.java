package io.tollgate.internal.ratelimit;

import io.tollgate.internal.http.ProblemResponse;

import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Writes what RateLimitFilter answers: headers, rejections, backend-failure denials; logs dry-run rejections. */
public final class RateLimitResponses {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitResponses.class);
    private static final long DRY_RUN_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

    private final RateLimitSettings settings;
    private final String logPrefix;
    private final AtomicLong nextDryRunLog = new AtomicLong(System.nanoTime());
    private final AtomicLong dryRunUnlogged = new AtomicLong();

    public RateLimitResponses(RateLimitSettings settings, String logPrefix) {
        this.settings = settings;
        this.logPrefix = logPrefix;
    }

    /** Sets the rate-limit headers for every policy that decided. */
    public void headers(HttpServletResponse response, List<Policy> policies, RateDecision[] decisions) {
        RateLimitHeaders.write(response, settings.headers(), policies, decisions);
    }

    /**
     * What a request gets when Redis is up but gave no answer within {@code maxWait}: a rejection by every
     * policy, nothing left, a permit back after {@code backendTimeout} (rounded up to a second).
     */
    public RateDecision[] unconfirmed(List<Policy> policies) {
        RateDecision[] decisions = new RateDecision[policies.size()];
        long wait = ProblemResponse.retryAfterSeconds(settings.shared().backendTimeout().toMillis()) * 1000;
        for (int i = 0; i < decisions.length; i++) {
            List<Limit> limits = policies.get(i).limits();
            long[] waits = new long[limits.size()];
            java.util.Arrays.fill(waits, wait);
            decisions[i] = RateDecision.of(false, limits, new long[limits.size()], waits, null).withUpperBoundWaits();
        }
        return decisions;
    }

    /**
     * The rejection: {@code statusCode}, {@code Retry-After}, and a problem body or the app's error page.
     *
     * @param unconfirmed whether Redis gave no answer within maxWait (the body says so)
     */
    public void reject(HttpServletResponse response, Policy policy, RateDecision[] decisions, boolean unconfirmed)
            throws IOException {
        long retryAfter = 0;
        for (RateDecision d : decisions) {
            retryAfter = Math.max(retryAfter, d.retryAfterMillis());
        }
        long seconds = ProblemResponse.retryAfterSeconds(retryAfter);
        response.setHeader("Retry-After", Long.toString(seconds));
        int status = settings.statusCode();
        if (settings.rejectWith() == RateLimitSettings.RejectWith.ERROR_PAGE) {
            response.sendError(status);
            return;
        }
        String why = unconfirmed ? "Rate limit of policy [" + policy.name() + "] (" + describe(policy)
                + ") could not be checked in time" : "Rate limit of policy [" + policy.name() + "] exceeded ("
                + describe(policy) + ")";
        Map<String, Object> body = ProblemResponse.body(status, ProblemResponse.title(status),
                why + "; try again in " + seconds + (seconds == 1 ? " second." : " seconds."));
        body.put("policy", policy.name());
        body.put("retryAfter", seconds);
        ProblemResponse.write(response, status, body);
    }

    /** Redis failed and {@code onBackendFailure} is {@code deny}: 503 with a short {@code Retry-After}. */
    public void backendUnavailable(HttpServletResponse response, Policy policy) throws IOException {
        Map<String, Object> body = ProblemResponse.backendUnavailable(response, settings.shared().backendTimeout(),
                "The rate limiter cannot reach its store, and is configured to deny requests until it can.");
        body.put("policy", policy.name());
        ProblemResponse.write(response, 503, body);
    }

    /** {@code enforce=false}: the request passes; the would-be rejection is logged (at most every 10 s). */
    public void dryRun(Policy policy, RateDecision[] decisions, String clientIp) {
        long now = System.nanoTime();
        long next = nextDryRunLog.get();
        if (now - next >= 0 && nextDryRunLog.compareAndSet(next, now + DRY_RUN_LOG_INTERVAL)) {
            long more = dryRunUnlogged.getAndSet(0);
            LOG.info("{} dry run: would reject a request from [{}] under policy [{}] ({}){}", logPrefix, clientIp,
                    policy.name(), describe(policy), more == 0 ? "" : "; " + more + " more since the last such line");
        } else {
            dryRunUnlogged.incrementAndGet();
        }
    }

    private static String describe(Policy policy) {
        StringBuilder sb = new StringBuilder();
        for (Limit l : policy.limits()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(l);
        }
        return sb.toString();
    }
}
