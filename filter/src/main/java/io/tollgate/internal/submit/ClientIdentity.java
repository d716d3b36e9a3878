package io.tollgate.internal.submit;

import io.tollgate.internal.redis.RedisKeys;

import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.HttpToken;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.security.Principal;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Who sent a request, for DoubleSubmitFilter: {@code auto} (the user, else the container session, else the
 * {@code Authorization} header, else the cookies, else the IP), {@code user}, {@code session}, {@code ip},
 * {@code header:NAME} or {@code cookie:NAME}.
 *
 * <p>A user the container authenticated, or the configured source when the request carries it, is the
 * identity on its own: a retry after a token refresh is the same client. Only when nothing names the client
 * does it come down to the address, and then the {@code Authorization} header and the cookies (each hashed)
 * join it: two users of an app that checks a bearer token or a login cookie itself, behind one NAT, share an
 * address, and must never be answered with each other's stored responses.
 */
public final class ClientIdentity {

    static final String RULE = "must be auto, user, session, ip, header:NAME or cookie:NAME";

    private enum Kind { AUTO, USER, SESSION, IP, HEADER, COOKIE }

    private final Kind kind;
    private final String name;
    private final String text;

    private ClientIdentity(Kind kind, String name, String text) {
        this.kind = kind;
        this.name = name;
        this.text = text;
    }

    static ClientIdentity parse(String text) {
        String t = text.trim();
        switch (t) {
            case "auto": return new ClientIdentity(Kind.AUTO, null, t);
            case "user": return new ClientIdentity(Kind.USER, null, t);
            case "session": return new ClientIdentity(Kind.SESSION, null, t);
            case "ip": return new ClientIdentity(Kind.IP, null, t);
            default:
                if (t.startsWith("header:")) {
                    String name = t.substring("header:".length()).trim();
                    if (!HttpToken.isToken(name)) {
                        throw new IllegalArgumentException("header name [" + name + "] is not a valid HTTP header name");
                    }
                    return new ClientIdentity(Kind.HEADER, name, t);
                }
                if (t.startsWith("cookie:")) {
                    String name = t.substring("cookie:".length()).trim();
                    if (!HttpToken.isToken(name)) {
                        throw new IllegalArgumentException("cookie name [" + name + "] is not a valid cookie name");
                    }
                    return new ClientIdentity(Kind.COOKIE, name, t);
                }
                throw new IllegalArgumentException(RULE);
        }
    }

    /** An unambiguous identity string ({@code kind:value}, secrets hashed); callers hash it. */
    public String resolve(HttpServletRequest request, ClientIpResolver ips) {
        String known = known(request);
        if (known != null) {
            return known;
        }
        String authorization = authorization(request);
        if (kind == Kind.AUTO && authorization != null) {
            return authorization;
        }
        String cookies = cookies(request);
        return "ip:" + ips.resolve(request) + (authorization == null ? "" : "|" + authorization)
                + (cookies == null ? "" : "|" + cookies);
    }

    /**
     * Whose budget of stored bytes a request spends ({@code maxStoredBytesPerClient}): the user or session the
     * container vouches for, else the client address. What a client sends and the container does not check
     * (a {@code Host}, a token, a cookie, a header) never opens a budget of its own.
     */
    public String storageScope(HttpServletRequest request, ClientIpResolver ips) {
        if (kind == Kind.AUTO || kind == Kind.USER) {
            String user = user(request);
            if (user != null) {
                return user;
            }
        }
        if (kind == Kind.AUTO || kind == Kind.SESSION) {
            String session = session(request);
            if (session != null) {
                return session;
            }
        }
        return "ip:" + ips.resolve(request);
    }

    /** What names the client on its own, by this setting; null when the request does not carry it. */
    private String known(HttpServletRequest request) {
        switch (kind) {
            case AUTO: {
                String user = user(request);
                return user != null ? user : session(request);
            }
            case USER:
                return user(request);
            case SESSION:
                return session(request);
            case HEADER: {
                String value = request.getHeader(name);
                return value == null || value.isEmpty() ? null : "header:" + value;
            }
            case COOKIE: {
                Cookie[] cookies = request.getCookies();
                if (cookies != null) {
                    for (Cookie c : cookies) {
                        if (c.getName().equals(name) && c.getValue() != null && !c.getValue().isEmpty()) {
                            return "cookie:" + RedisKeys.hash(c.getValue());
                        }
                    }
                }
                return null;
            }
            default:
                return null;
        }
    }

    private static String user(HttpServletRequest request) {
        Principal p = request.getUserPrincipal();
        return p == null || p.getName() == null ? null : "user:" + p.getName();
    }

    private static String session(HttpServletRequest request) {
        HttpSession s = request.getSession(false);
        return s == null ? null : "session:" + s.getId();
    }

    /** The hashed {@code Authorization} header ({@code auth:HASH}), or null without one. */
    private static String authorization(HttpServletRequest request) {
        String value = request.getHeader("Authorization");
        return value == null || value.isEmpty() ? null : "auth:" + RedisKeys.hash(value);
    }

    /** Every cookie, in name order, hashed ({@code cookies:HASH}), or null without any. */
    private static String cookies(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null || cookies.length == 0) {
            return null;
        }
        Cookie[] sorted = cookies.clone();
        Arrays.sort(sorted, Comparator.comparing(Cookie::getName).thenComparing(c -> String.valueOf(c.getValue())));
        StringBuilder sb = new StringBuilder();
        for (Cookie c : sorted) {
            String value = String.valueOf(c.getValue());
            sb.append(c.getName().length()).append(':').append(c.getName()).append(value.length()).append(':')
                    .append(value).append(';');
        }
        return "cookies:" + RedisKeys.hash(sb.toString());
    }

    @Override
    public String toString() {
        return text;
    }
}
