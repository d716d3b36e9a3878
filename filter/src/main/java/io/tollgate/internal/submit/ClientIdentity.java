package io.tollgate.internal.submit;

import io.tollgate.internal.redis.RedisKeys;

import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.HttpToken;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.security.Principal;

/**
 * Who sent a request, for DoubleSubmitFilter: {@code auto} (the user, else the {@code Authorization}
 * header, else the session, else the IP), {@code user}, {@code session}, {@code ip} or {@code header:NAME}.
 * Whatever is missing falls back to the client IP.
 *
 * <p>Unless the identity is a user the container authenticated, the {@code Authorization} header (hashed)
 * is part of it in every mode: two users of an app that checks bearer tokens itself, behind one NAT,
 * share an address, and must never be answered with each other's stored responses.
 */
public final class ClientIdentity {

    static final String RULE = "must be auto, user, session, ip or header:NAME";

    private enum Kind { AUTO, USER, SESSION, IP, HEADER }

    private final Kind kind;
    private final String header;
    private final String text;

    private ClientIdentity(Kind kind, String header, String text) {
        this.kind = kind;
        this.header = header;
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
                throw new IllegalArgumentException(RULE);
        }
    }

    /** An unambiguous identity string ({@code kind:value}); callers hash it. */
    public String resolve(HttpServletRequest request, ClientIpResolver ips) {
        if (kind == Kind.USER || kind == Kind.AUTO) {
            Principal p = request.getUserPrincipal();
            if (p != null && p.getName() != null) {
                return "user:" + p.getName();
            }
        }
        String authorization = authorization(request);
        return authorization == null ? withoutUser(request, ips) : kind == Kind.AUTO ? authorization
                : withoutUser(request, ips) + "|" + authorization;
    }

    /** The hashed {@code Authorization} header ({@code auth:HASH}), or null without one. */
    private static String authorization(HttpServletRequest request) {
        String value = request.getHeader("Authorization");
        return value == null || value.isEmpty() ? null : "auth:" + RedisKeys.hash(value);
    }

    private String withoutUser(HttpServletRequest request, ClientIpResolver ips) {
        if (kind == Kind.SESSION || kind == Kind.AUTO) {
            HttpSession s = request.getSession(false);
            if (s != null) {
                return "session:" + s.getId();
            }
        }
        if (kind == Kind.HEADER) {
            String value = request.getHeader(header);
            if (value != null && !value.isEmpty()) {
                return "header:" + value;
            }
        }
        return "ip:" + ips.resolve(request);
    }

    @Override
    public String toString() {
        return text;
    }
}
