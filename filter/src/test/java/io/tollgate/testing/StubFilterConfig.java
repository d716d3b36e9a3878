package io.tollgate.testing;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A filter's config as web.xml gives it: a filter name, init-params and the webapp's context-params. */
public final class StubFilterConfig {

    private final String filterName;
    private final Map<String, String> initParams = new LinkedHashMap<>();
    private final Map<String, String> contextParams = new LinkedHashMap<>();

    private StubFilterConfig(String filterName) {
        this.filterName = filterName;
    }

    /** A config for the filter named {@code filterName} (null: a filter without a name). */
    public static StubFilterConfig filter(String filterName) {
        return new StubFilterConfig(filterName);
    }

    public StubFilterConfig initParam(String name, String value) {
        initParams.put(name, value);
        return this;
    }

    public StubFilterConfig contextParam(String name, String value) {
        contextParams.put(name, value);
        return this;
    }

    public FilterConfig build() {
        ServletContext context = StubRequest.proxy(ServletContext.class, this::answerContext);
        return StubRequest.proxy(FilterConfig.class, (proxy, m, args) -> {
            switch (m.getName()) {
                case "getFilterName":
                    return filterName;
                case "getServletContext":
                    return context;
                case "getInitParameter":
                    return initParams.get((String) args[0]);
                case "getInitParameterNames":
                    return Collections.enumeration(initParams.keySet());
                default:
                    return StubRequest.objectMethod(proxy, m, args, "FilterConfig");
            }
        });
    }

    private Object answerContext(Object proxy, Method m, Object[] args) {
        switch (m.getName()) {
            case "getInitParameter":
                return contextParams.get((String) args[0]);
            case "getInitParameterNames":
                return Collections.enumeration(contextParams.keySet());
            case "getContextPath":
                return "";
            case "log":
                return null;
            default:
                return StubRequest.objectMethod(proxy, m, args, "ServletContext");
        }
    }
}
