package io.tollgate.internal.config;

import java.util.function.UnaryOperator;

/**
 * Resolves {@code ${NAME}} and {@code ${NAME:default}} in a setting's value from Java system properties,
 * then environment variables, so that one WAR runs unchanged in every environment.
 */
final class Placeholders {

    /** Looks a name up in the system properties, then the environment. */
    static final UnaryOperator<String> SYSTEM = name -> {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    };

    private Placeholders() {
    }

    /**
     * Returns {@code value} with every placeholder replaced.
     *
     * @throws IllegalArgumentException naming the first placeholder that has no value and no default
     */
    static String resolve(String value, UnaryOperator<String> lookup) {
        int start = value.indexOf("${");
        if (start < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int from = 0;
        while (start >= 0) {
            int end = value.indexOf('}', start + 2);
            if (end < 0) {
                throw new IllegalArgumentException("placeholder at position " + start + " has no closing }");
            }
            String body = value.substring(start + 2, end);
            int colon = body.indexOf(':');
            String name = (colon < 0 ? body : body.substring(0, colon)).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("placeholder ${" + body + "} has no name");
            }
            String resolved = lookup.apply(name);
            if (resolved == null) {
                if (colon < 0) {
                    throw new IllegalArgumentException("no system property or environment variable [" + name
                            + "] is set and the placeholder has no default (write ${" + name + ":default})");
                }
                resolved = body.substring(colon + 1);
            }
            out.append(value, from, start).append(resolved);
            from = end + 1;
            start = value.indexOf("${", from);
        }
        return out.append(value, from, value.length()).toString();
    }
}
