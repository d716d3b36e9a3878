package io.tollgate.internal.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks passwords in values that are logged, put in messages or shown over JMX: the user-info of URIs
 * ({@code redis://user:***@host}) and {@code password: ***} settings (as a Redisson YAML quoted in a
 * parser's message has them).
 */
public final class UriPasswords {

    private static final Pattern SCHEME = Pattern.compile("\\b([A-Za-z][A-Za-z0-9+.-]*)://");
    // a password setting: YAML (password: x), properties (password=x) or JSON ("password":"x")
    private static final Pattern PASSWORD_SETTING = Pattern.compile(
            "(?i)((?:password|passwd|secret)\"?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;}\\]]+)");

    private UriPasswords() {
    }

    /**
     * Replaces the password of every URI in {@code text} with {@code ***} (keeping a user name), and the
     * value of every {@code password:}/{@code password=} setting.
     *
     * <p>Redis URIs have no other place for an {@code @} (their path is a database number), so there the
     * user-info runs to the last {@code @} before the next URI or line end: a password may hold {@code /},
     * spaces, {@code #} or {@code @}. Other URIs end their user-info at the first {@code /}, so
     * {@code https://host/users/@me} keeps its path.
     */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text.indexOf('@') < 0 ? text : maskUserInfo(text);
        return maskSettings(out);
    }

    private static String maskUserInfo(String text) {
        java.util.List<int[]> uris = new java.util.ArrayList<>(); // {authority start, scheme start, scheme end}
        Matcher m = SCHEME.matcher(text);
        while (m.find()) {
            uris.add(new int[] {m.end(), m.start(1), m.end(1)});
        }
        StringBuilder sb = new StringBuilder(text.length());
        int copied = 0;
        for (int u = 0; u < uris.size(); u++) {
            int start = uris.get(u)[0];
            if (start < copied) {
                continue;
            }
            int next = u + 1 < uris.size() ? uris.get(u + 1)[1] : text.length();
            int at = userInfoEnd(text, text.substring(uris.get(u)[1], uris.get(u)[2]), start,
                    indexOfLineEnd(text, start, next));
            if (at < 0) {
                continue;
            }
            String info = text.substring(start, at);
            int colon = info.indexOf(':');
            sb.append(text, copied, start).append(colon < 0 ? "" : info.substring(0, colon + 1)).append("***");
            copied = at;
        }
        return sb.append(text, copied, text.length()).toString();
    }

    /** The index of the {@code @} ending the user-info of a URI whose authority starts at {@code start}, or -1. */
    private static int userInfoEnd(String text, String scheme, int start, int end) {
        String s = scheme.toLowerCase(Locale.ROOT);
        if (s.startsWith("redis") || s.startsWith("valkey")) {
            int at = text.lastIndexOf('@', end - 1);
            return at >= start ? at : -1;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '@') {
                return i;
            }
            if (c == '/' || c == '?' || c == '#' || Character.isWhitespace(c)) {
                return -1;
            }
        }
        return -1;
    }

    private static int indexOfLineEnd(String text, int from, int limit) {
        for (int i = from; i < limit; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return limit;
    }

    private static String maskSettings(String text) {
        if (text.toLowerCase(Locale.ROOT).indexOf("pass") < 0 && text.toLowerCase(Locale.ROOT).indexOf("secret") < 0) {
            return text;
        }
        return PASSWORD_SETTING.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "***"));
    }
}
