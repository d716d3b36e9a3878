package io.tollgate.internal.http;

import io.tollgate.internal.config.SettingFormats;

import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Servlet-style URL patterns, matched against the path inside the webapp: exact ({@code /health}, which also
 * matches {@code /health/}), prefix ({@code /static/*}, which also matches {@code /static}), extension ({@code *.css}) and
 * {@code /*} or {@code /} (everything).
 */
public final class UrlPatterns {

    public static final String RULE = "must be servlet URL patterns like /health, /static/* or *.css, separated by commas";

    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final List<String> extensions = new ArrayList<>();
    private boolean all;
    private final List<String> patterns;

    private UrlPatterns(List<String> patterns) {
        this.patterns = Collections.unmodifiableList(new ArrayList<>(patterns));
        for (String p : patterns) {
            if (p.equals("/*") || p.equals("/")) {
                all = true;
            } else if (p.endsWith("/*")) {
                prefixes.add(p.substring(0, p.length() - 2));
            } else if (p.startsWith("*.")) {
                extensions.add(p.substring(1));
            } else {
                exact.add(p);
            }
        }
    }

    /** Parses a comma-separated list. */
    public static UrlPatterns parse(String text) {
        return of(SettingFormats.list(text));
    }

    /** Checks and wraps patterns. */
    public static UrlPatterns of(List<String> patterns) {
        for (String p : patterns) {
            boolean ok;
            if (p.startsWith("*.")) {
                ok = p.length() > 2 && p.indexOf('/') < 0 && p.indexOf('*', 1) < 0;
            } else if (p.startsWith("/")) {
                int star = p.indexOf('*');
                ok = star < 0 || (star == p.length() - 1 && p.endsWith("/*"));
            } else {
                ok = false;
            }
            if (!ok) {
                throw new IllegalArgumentException("pattern [" + p + "] " + RULE);
            }
        }
        return new UrlPatterns(patterns);
    }

    /** Whether the request's path within the webapp matches one pattern. */
    public boolean matches(HttpServletRequest request) {
        return matches(RequestPaths.pathWithinApplication(request), true);
    }

    /**
     * Whether an exclusion leaves the request alone: as {@link #matches}, except that an extension pattern
     * ({@code *.css}) exempts only {@code GET} and {@code HEAD}, the way a stylesheet is fetched. A framework's
     * suffix route may serve {@code POST /api/pay.css} as {@code /api/pay}: an exclusion never opens it.
     */
    public boolean exempts(HttpServletRequest request) {
        String method = request.getMethod();
        boolean fetch = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);
        return matches(RequestPaths.pathWithinApplication(request), fetch);
    }

    boolean matches(String path) {
        return matches(path, true);
    }

    private boolean matches(String path, boolean withExtensions) {
        if (all) {
            return true;
        }
        for (String e : exact) {
            // /login covers /login/ (one resource to most frameworks); ;jsessionid is gone from the path already
            if (path.startsWith(e) && (path.length() == e.length()
                    || (path.length() == e.length() + 1 && path.charAt(e.length()) == '/'))) {
                return true;
            }
        }
        for (String prefix : prefixes) {
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        if (withExtensions && !extensions.isEmpty()) {
            String last = lastSegment(path);
            for (String ext : extensions) {
                if (last != null && last.endsWith(ext) && last.length() > ext.length()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The last segment of the path, or null when it holds a {@code ;}, {@code #} or {@code ?}. The container
     * has already removed path parameters, so such a character was sent encoded ({@code /api/x%3B.css}):
     * a resource behind it could answer for the whole segment, which is no stylesheet.
     */
    private static String lastSegment(String path) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.indexOf(';') >= 0 || last.indexOf('#') >= 0 || last.indexOf('?') >= 0 ? null : last;
    }

    @Override
    public String toString() {
        return String.join(",", patterns);
    }
}
