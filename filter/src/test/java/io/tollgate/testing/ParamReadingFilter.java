package io.tollgate.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;

/** Stands in for a filter mapped before Tollgate that reads a form field (so the container parses the body). */
public class ParamReadingFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        request.getParameter("item");
        chain.doFilter(request, response);
    }
}
