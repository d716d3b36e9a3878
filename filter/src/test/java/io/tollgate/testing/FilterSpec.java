package io.tollgate.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/** A filter as web.xml declares it: a name, a class, init-params (strings, exactly as written) and a URL pattern. */
public final class FilterSpec {

    final String name;
    final Class<? extends Filter> type;
    final Map<String, String> initParams = new LinkedHashMap<>();
    String urlPattern = "/*";
    EnumSet<DispatcherType> dispatchers = EnumSet.of(DispatcherType.REQUEST);

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

    /** The dispatches the mapping covers, as web.xml's {@code <dispatcher>} elements (default: REQUEST only). */
    public FilterSpec dispatchers(DispatcherType first, DispatcherType... rest) {
        this.dispatchers = EnumSet.of(first, rest);
        return this;
    }
}
