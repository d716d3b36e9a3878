package io.tollgate.internal.http;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The HTTP methods a filter or rule covers. Matched without regard to case, because a servlet that
 * answers {@code get} must not be a way around the filter; and {@code GET} covers {@code HEAD}, because
 * {@code HttpServlet} answers a HEAD by running {@code doGet}.
 */
public final class CoveredMethods {

    private final Set<String> names;

    private CoveredMethods(Set<String> names) {
        this.names = Collections.unmodifiableSet(names);
    }

    /** Checks and upper-cases method names. */
    public static CoveredMethods of(List<String> names) {
        Set<String> out = new TreeSet<>();
        for (String m : names) {
            if (!HttpToken.isToken(m)) {
                throw new IllegalArgumentException("method [" + m + "] is not an HTTP method name");
            }
            out.add(m.toUpperCase(Locale.ROOT));
        }
        return new CoveredMethods(out);
    }

    /** Whether a request with this method is covered. */
    public boolean covers(String method) {
        if (method == null) {
            return false;
        }
        String m = method.toUpperCase(Locale.ROOT);
        return names.contains(m) || (m.equals("HEAD") && names.contains("GET"));
    }

    /** The names as configured, upper-cased. */
    @Override
    public String toString() {
        return String.join(",", names);
    }
}
