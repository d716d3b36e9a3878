package io.tollgate.bench;

import io.tollgate.Tollgate;
import io.tollgate.internal.ratelimit.Limit;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a hand-written filter on Redisson's {@code RRateLimiter} does: one limiter per client (the
 * {@value HttpLoad#CLIENT_HEADER} header), one {@code tryAcquire()} per request, an empty 429 when it says no.
 * No headers, no Retry-After. Its rate is set once, the first time a client is seen (during warm-up).
 *
 * <p>Init-param {@code limits}: one {@code COUNT/PERIOD}, as RateLimitFilter's.
 */
public final class BareRateLimitFilter implements Filter {

    private final Map<String, RRateLimiter> limiters = new ConcurrentHashMap<>();
    private RedissonClient client;
    private Limit limit;
    private String name;

    @Override
    public void init(FilterConfig config) {
        client = (RedissonClient) config.getServletContext().getAttribute(Tollgate.REDISSON_ATTRIBUTE);
        limit = Limit.parseAll(config.getInitParameter("limits")).get(0);
        name = config.getFilterName();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        String clientKey = ((HttpServletRequest) req).getHeader(HttpLoad.CLIENT_HEADER);
        if (limiters.computeIfAbsent(clientKey, this::create).tryAcquire()) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletResponse response = (HttpServletResponse) res;
        response.setStatus(429);
        response.setContentLength(0);
    }

    private RRateLimiter create(String clientKey) {
        RRateLimiter limiter = client.getRateLimiter("bench:bare:{" + name + ":" + clientKey + "}");
        limiter.trySetRate(RateType.OVERALL, limit.count(), limit.period());
        return limiter;
    }
}
