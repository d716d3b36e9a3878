package io.tollgate.internal.http;

import jakarta.servlet.ServletRequest;

/**
 * Marks a request as decided by one filter, in a request attribute: a FORWARD, INCLUDE, ASYNC or ERROR
 * dispatch of the same request (or a second mapping that matches it) carries the attribute, and the filter
 * lets it through without deciding again (never spending twice, never blocking on the request's own lock).
 */
public final class FirstPass {

    private final String attribute;

    /**
     * @param filterKind the filter class's simple name
     * @param filterName the filter's name in web.xml: two declared filters are two decisions
     */
    public FirstPass(String filterKind, String filterName) {
        this.attribute = "io.tollgate." + filterKind + "[" + filterName + "].decided";
    }

    /** True on the request's first pass through this filter (and marks it); false on every later one. */
    public boolean claim(ServletRequest request) {
        if (request.getAttribute(attribute) != null) {
            return false;
        }
        request.setAttribute(attribute, Boolean.TRUE);
        return true;
    }
}
