package io.tollgate.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** Stands in for a CORS filter mapped before Tollgate: echoes the request's Origin into a response header. */
public class OriginEchoFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String origin = ((HttpServletRequest) request).getHeader("Origin");
        if (origin != null) {
            ((HttpServletResponse) response).setHeader("Access-Control-Allow-Origin", origin);
        }
        chain.doFilter(request, response);
    }
}
