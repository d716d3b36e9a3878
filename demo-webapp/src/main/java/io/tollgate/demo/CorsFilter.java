package io.tollgate.demo;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Lets the page served by one demo instance call the others (other ports are other origins) and read
 * the rate-limit headers. A demo convenience, not something Tollgate needs.
 */
public class CorsFilter implements Filter {

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (request.getHeader("Origin") != null) {
            response.setHeader("Access-Control-Allow-Origin", request.getHeader("Origin"));
            response.setHeader("Access-Control-Expose-Headers",
                    "RateLimit, RateLimit-Policy, Retry-After, Idempotent-Replayed");
            response.setHeader("Vary", "Origin");
            if ("OPTIONS".equals(request.getMethod())) {
                response.setHeader("Access-Control-Allow-Methods", "GET, POST");
                response.setHeader("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key, X-Demo-Click");
                response.setStatus(204);
                return;
            }
        }
        chain.doFilter(req, res);
    }
}
