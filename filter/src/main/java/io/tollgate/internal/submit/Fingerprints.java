package io.tollgate.internal.submit;

import io.tollgate.internal.http.RequestPaths;
import io.tollgate.internal.redis.RedisKeys;

import jakarta.servlet.http.HttpServletRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;

/** SHA-256 fingerprints of what a request asks for, so that repeats can be told from new requests. */
public final class Fingerprints {

    private Fingerprints() {
    }

    /** Host, method, path, query and the body's digest (or none), each length-prefixed so that no two requests collide. */
    public static byte[] request(HttpServletRequest request, byte[] bodyDigest) {
        MessageDigest sha = RedisKeys.sha256();
        update(sha, host(request));
        update(sha, request.getMethod());
        update(sha, RequestPaths.pathWithinApplication(request));
        update(sha, request.getQueryString() == null ? "" : request.getQueryString());
        if (bodyDigest == null) {
            sha.update((byte) 0);
        } else {
            sha.update((byte) 1);
            sha.update(bodyDigest);
        }
        return sha.digest();
    }

    /**
     * The host name the request was sent to ({@code Host} without its port), lower-cased: two tenants of one
     * app (two host names) are two sites, and one's submissions are never the other's; two instances behind
     * one name, on two ports, are one site.
     */
    public static String host(HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host == null) {
            return "";
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        int colon = h.lastIndexOf(':');
        return colon > h.lastIndexOf(']') ? h.substring(0, colon) : h;
    }

    /** The digest of a body's bytes. */
    public static byte[] body(byte[] body) {
        return RedisKeys.sha256().digest(body);
    }

    /** The digest of a form's fields as the container parsed them, in name order. */
    public static byte[] form(Map<String, String[]> parameters) {
        MessageDigest sha = RedisKeys.sha256();
        for (Map.Entry<String, String[]> e : new TreeMap<>(parameters).entrySet()) {
            update(sha, e.getKey());
            sha.update(intBytes(e.getValue().length));
            for (String v : e.getValue()) {
                update(sha, v);
            }
        }
        return sha.digest();
    }

    private static void update(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(intBytes(b.length));
        sha.update(b);
    }

    private static byte[] intBytes(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    /** Lower-case hex. */
    public static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
