package io.tollgate.internal.submit;

/** The client's {@code Idempotency-Key} header value, checked: 1 to 255 visible ASCII characters, optionally quoted. */
public final class IdempotencyKey {

    /** Longest key accepted, without quotes. */
    public static final int MAX_LENGTH = 255;

    private IdempotencyKey() {
    }

    /** The key without optional quotes, or null when it is not 1 to 255 visible ASCII characters. */
    public static String parse(String raw) {
        String k = raw.trim();
        if (k.length() >= 2 && k.startsWith("\"") && k.endsWith("\"")) {
            k = k.substring(1, k.length() - 1);
        }
        if (k.isEmpty() || k.length() > MAX_LENGTH) {
            return null;
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return null;
            }
        }
        return k;
    }
}
