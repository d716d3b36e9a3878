package io.tollgate.bench;

import io.tollgate.Tollgate;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.io.IOException;

/**
 * The floor: the least any Redis-backed filter costs — one {@code GET} (one round trip, one command) per
 * request on the client lent through {@value Tollgate#REDISSON_ATTRIBUTE}, then the request passes.
 */
public final class FloorFilter implements Filter {

    private RedissonClient client;

    @Override
    public void init(FilterConfig config) {
        client = (RedissonClient) config.getServletContext().getAttribute(Tollgate.REDISSON_ATTRIBUTE);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        String clientKey = ((HttpServletRequest) req).getHeader(HttpLoad.CLIENT_HEADER);
        client.getBucket("bench:floor:{" + clientKey + "}", StringCodec.INSTANCE).get();
        chain.doFilter(req, res);
    }
}
