package io.tollgate.internal.http;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** RFC 9110 tokens: header names and methods. */
public final class HttpToken {

    private HttpToken() {
    }

    public static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Checks and upper-cases HTTP method names. */
    public static Set<String> methods(List<String> names) {
        Set<String> out = new TreeSet<>();
        for (String m : names) {
            if (!isToken(m)) {
                throw new IllegalArgumentException("method [" + m + "] is not an HTTP method name");
            }
            out.add(m.toUpperCase(Locale.ROOT));
        }
        return out;
    }
}
