package io.tollgate.internal.config;

import java.util.regex.Pattern;

/** Masks the passwords of URIs ({@code redis://user:password@host}) in values that are logged or put in messages. */
public final class UriPasswords {

    // scheme://user:password@host or scheme://password@host
    private static final Pattern USER_INFO = Pattern.compile("(\\w[\\w+.-]*://)([^/\\s]*)@");

    private UriPasswords() {
    }

    /** Replaces the user-info of any URI in {@code text} with {@code ***} (keeping a user name). */
    public static String mask(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        return USER_INFO.matcher(text).replaceAll(m -> {
            String info = m.group(2);
            int colon = info.indexOf(':');
            String user = colon < 0 ? "" : info.substring(0, colon) + ":";
            return java.util.regex.Matcher.quoteReplacement(m.group(1) + user + "***@");
        });
    }
}
