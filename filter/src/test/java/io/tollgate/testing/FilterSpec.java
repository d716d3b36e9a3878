package io.tollgate.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A filter as web.xml declares it: a name, a class, init-params (strings, exactly as written) and a URL pattern. */
public final class FilterSpec {

    final String name;
    final Class<? extends Filter> type;
    final Map<String, String> initParams = new LinkedHashMap<>();
    String urlPattern = "/*";
    EnumSet<DispatcherType> dispatchers = EnumSet.of(DispatcherType.REQUEST);
    /** Further {@code <filter-mapping>}s of the same filter, each a URL pattern. */
    final List<String> moreUrlPatterns = new ArrayList<>();
    /** Further {@code <filter-mapping>}s of the same filter, each a {@code <servlet-name>}. */
    final List<String> servletNames = new ArrayList<>();

    private FilterSpec(String name, Class<? extends Filter> type) {
        this.name = name;
        this.type = type;
    }

    public static FilterSpec of(String name, Class<? extends Filter> type) {
        return new FilterSpec(name, type);
    }

    public FilterSpec param(String name, String value) {
        initParams.put(name, value);
        return this;
    }

    public FilterSpec params(Map<String, String> params) {
        initParams.putAll(params);
        return this;
    }

    public FilterSpec urlPattern(String pattern) {
        this.urlPattern = pattern;
        return this;
    }

    /**
     * One more {@code <filter-mapping>} of this filter, to a URL pattern (with the same dispatchers): a request
     * both mappings match passes the filter's mapping twice, as web.xml lets an app write it.
     */
    public FilterSpec alsoMappedTo(String urlPattern) {
        moreUrlPatterns.add(urlPattern);
        return this;
    }

    /**
     * One more {@code <filter-mapping>} of this filter, to a {@code <servlet-name>} (with the same dispatchers);
     * the servlets of a {@link TestApp} are named {@code servlet0}, {@code servlet1}, ... in the order added.
     */
    public FilterSpec alsoMappedToServlet(String servletName) {
        servletNames.add(servletName);
        return this;
    }

    /** The dispatches the mapping covers, as web.xml's {@code <dispatcher>} elements (default: REQUEST only). */
    public FilterSpec dispatchers(DispatcherType first, DispatcherType... rest) {
        this.dispatchers = EnumSet.of(first, rest);
        return this;
    }
}
