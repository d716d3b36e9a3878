package io.tollgate.internal.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Turns user-controlled identities (IPs, user names, header values) into fixed-length key parts: a
 * SHA-256 prefix, so keys stay short and nothing a client sends is ever written into Redis key names.
 */
public final class ClientKeys {

    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private ClientKeys() {
    }

    /** 120 bits of SHA-256, as 20 URL-safe base64 characters. */
    public static String hash(String identity) {
        byte[] digest = sha256().digest(identity.getBytes(StandardCharsets.UTF_8));
        return BASE64.encodeToString(java.util.Arrays.copyOf(digest, 15));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
