package io.tollgate.internal.config;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;

import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The settings of one filter, read once from its {@code FilterConfig}: its init-params, plus the
 * {@code tollgate.*} context-params for shared settings it does not set itself. Placeholders are resolved
 * here; unknown names are rejected here. Every parse error names where the value came from.
 */
public final class FilterParams {

    /** Prefix of a context-param that sets a shared setting for every filter of the webapp. */
    public static final String CONTEXT_PARAM_PREFIX = "tollgate.";

    /** A parser of one setting's text; throws {@link IllegalArgumentException} stating the rule broken. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text);
    }

    private static final class Param {
        final String origin;
        final String raw;
        final String value;

        Param(String origin, String raw, String value) {
            this.origin = origin;
            this.raw = raw;
            this.value = value;
        }
    }

    private final String filterName;
    private final Map<String, Param> params;
    private final String contextPath;

    private FilterParams(String filterName, Map<String, Param> params, String contextPath) {
        this.filterName = filterName;
        this.params = params;
        this.contextPath = contextPath;
    }

    /**
     * Reads a filter's settings.
     *
     * @param filterKind   the filter's simple class name, for messages
     * @param filterOnly   names only this filter takes
     * @param shared       shared names, also taken from {@code tollgate.NAME} context-params
     */
    public static FilterParams read(FilterConfig config, String filterKind, Collection<String> filterOnly,
            Collection<String> shared) {
        return read(config, filterKind, filterOnly, shared, Placeholders.SYSTEM);
    }

    static FilterParams read(FilterConfig config, String filterKind, Collection<String> filterOnly,
            Collection<String> shared, UnaryOperator<String> lookup) {
        return new Reader(config.getFilterName(), filterKind, filterOnly, shared, lookup)
                .read(config, config.getServletContext());
    }

    /**
     * Reads only the {@code tollgate.*} context-params, for a component configured in code (an
     * OutboundLimiter) that takes the shared settings from the webapp.
     *
     * @param owner names the component in messages, as a filter-name would
     */
    public static FilterParams readContext(ServletContext context, String owner, String kind,
            Collection<String> shared) {
        return new Reader(owner, kind, Collections.emptyList(), shared, Placeholders.SYSTEM).read(null, context);
    }

    /** One read of a filter's (or a component's) params: what it takes, and where placeholders resolve. */
    private static final class Reader {
        private final String filterName;
        private final String filterKind;
        private final Collection<String> filterOnly;
        private final Collection<String> shared;
        private final UnaryOperator<String> lookup;
        private final Map<String, Param> params = new LinkedHashMap<>();

        Reader(String filterName, String filterKind, Collection<String> filterOnly, Collection<String> shared,
                UnaryOperator<String> lookup) {
            this.filterName = filterName;
            this.filterKind = filterKind;
            this.filterOnly = filterOnly;
            this.shared = shared;
            this.lookup = lookup;
        }

        FilterParams read(FilterConfig config, ServletContext context) {
            for (String name : config == null ? Collections.<String>emptyList() : names(config.getInitParameterNames())) {
                String origin = "init-param [" + name + "]";
                String raw = config.getInitParameter(name);
                if (!filterOnly.contains(name) && !shared.contains(name)) {
                    TreeSet<String> known = new TreeSet<>(filterOnly);
                    known.addAll(shared);
                    throw new InvalidSettingException(origin + " was [" + UriPasswords.mask(raw) + "]: " + filterKind
                            + " has no such setting; its settings are " + known + suffix(filterName));
                }
                put(name, origin, raw);
            }
            if (context != null) {
                for (String contextName : names(context.getInitParameterNames())) {
                    if (!contextName.startsWith(CONTEXT_PARAM_PREFIX)) {
                        continue;
                    }
                    String name = contextName.substring(CONTEXT_PARAM_PREFIX.length());
                    String origin = "context-param [" + contextName + "]";
                    String raw = context.getInitParameter(contextName);
                    if (!shared.contains(name)) {
                        TreeSet<String> contextNames = new TreeSet<>();
                        shared.forEach(n -> contextNames.add(CONTEXT_PARAM_PREFIX + n));
                        throw new InvalidSettingException(origin + " was [" + UriPasswords.mask(raw)
                                + "]: not a shared Tollgate setting; context-params may set " + contextNames
                                + " (other settings are init-params of each filter)" + suffix(filterName));
                    }
                    if (!params.containsKey(name)) {
                        put(name, origin, raw);
                    }
                }
            }
            return new FilterParams(filterName, params, context == null ? null : context.getContextPath());
        }

        private void put(String name, String origin, String raw) {
            String text = raw == null ? "" : raw.trim();
            String value;
            try {
                value = Placeholders.resolve(text, lookup).trim();
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(origin + " was [" + UriPasswords.mask(text) + "]: " + e.getMessage()
                        + suffix(filterName));
            }
            if (!value.isEmpty()) {
                params.put(name, new Param(origin, text, value));
            }
        }
    }

    private static Iterable<String> names(Enumeration<String> names) {
        return names == null ? Collections.emptyList() : Collections.list(names);
    }

    private static String suffix(String filterName) {
        return filterName == null ? "" : " (filter [" + filterName + "])";
    }

    /** The filter's name, as in web.xml. */
    public String filterName() {
        return filterName;
    }

    /**
     * The context path of the webapp the settings were read in ({@code ""} for the root), or null when read
     * without one: what the default key prefix carries, so that webapps never share budgets by accident.
     */
    public String contextPath() {
        return contextPath;
    }

    /** Whether the setting was given (blank values count as not given). */
    public boolean isSet(String name) {
        return params.containsKey(name);
    }

    /** The resolved value, or null when not given. */
    public String get(String name) {
        Param p = params.get(name);
        return p == null ? null : p.value;
    }

    /** Parses the setting, or {@code defaultText} when it is not given. */
    public <T> T parse(String name, String defaultText, Parser<T> parser) {
        Param p = params.get(name);
        if (p == null) {
            return defaultText == null ? null : parser.parse(defaultText);
        }
        try {
            return parser.parse(p.value);
        } catch (IllegalArgumentException e) {
            throw invalid(name, e.getMessage());
        }
    }

    /** Where a given setting came from and its value: {@code init-param [name] was [value]}, passwords masked. */
    public String describe(String name) {
        Param p = params.get(name);
        return p == null ? name + " (not set)" : p.origin + " was [" + UriPasswords.mask(p.value) + "]";
    }

    /** An error about a given setting, naming where it came from and quoting its value. */
    public InvalidSettingException invalid(String name, String rule) {
        return invalid(name, rule, null);
    }

    /** As {@link #invalid(String, String)}, keeping the cause. */
    public InvalidSettingException invalid(String name, String rule, Throwable cause) {
        Param p = params.get(name);
        String message;
        if (p == null) {
            message = "init-param [" + name + "] is not set: " + rule;
        } else {
            String shown = UriPasswords.mask(p.value);
            String from = p.raw.equals(p.value) ? "" : " (from [" + UriPasswords.mask(p.raw) + "])";
            message = p.origin + " was [" + shown + "]" + from + ": " + rule;
        }
        return new InvalidSettingException(message + suffix(filterName), cause);
    }
}
