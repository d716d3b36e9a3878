package io.tollgate.internal.ratelimit;

import io.tollgate.internal.http.HttpToken;
import io.tollgate.internal.http.RequestPaths;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Whose budget a request spends: {@code ip}, {@code user}, {@code session}, {@code header:NAME},
 * {@code param:NAME} or {@code global}, optionally joined with {@code method} and {@code path}
 * ({@code ip+method+path}). A request without the user, session, header or param named spends the
 * budget of its client IP instead, so leaving them out never escapes the limit.
 */
public final class KeySpec {

    static final String RULE = "must be ip, user, session, header:NAME, param:NAME or global,"
            + " optionally joined with method and path by + (ip+method+path)";

    private enum Kind { IP, USER, SESSION, HEADER, PARAM, GLOBAL, METHOD, PATH }

    private static final class Part {
        final Kind kind;
        final String name;

        Part(Kind kind, String name) {
            this.kind = kind;
            this.name = name;
        }

        @Override
        public String toString() {
            return name == null ? kind.name().toLowerCase(Locale.ROOT)
                    : kind.name().toLowerCase(Locale.ROOT) + ":" + name;
        }
    }

    private final List<Part> parts;
    private final String text;

    private KeySpec(List<Part> parts) {
        this.parts = parts;
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            sb.append(sb.length() == 0 ? "" : "+").append(p);
        }
        this.text = sb.toString();
    }

    /** Whether every request spends the same budget ({@code global} alone): its key never changes. */
    public boolean isConstant() {
        return parts.size() == 1 && parts.get(0).kind == Kind.GLOBAL;
    }

    /** What {@link #resolve} gives for every request, when {@link #isConstant}. */
    public String constantIdentity() {
        if (!isConstant()) {
            throw new IllegalStateException("key [" + text + "] depends on the request");
        }
        return resolve(null, (Supplier<String>) null); // a global part reads neither
    }

    /** Parses {@code ip+method+path} and the like. */
    public static KeySpec parse(String text) {
        List<Part> parts = new ArrayList<>();
        boolean whose = false;
        boolean global = false;
        for (String raw : text.split("\\+", -1)) {
            String item = raw.trim();
            Part part = part(item);
            for (Part p : parts) {
                if (p.kind == part.kind && (p.name == null || p.name.equalsIgnoreCase(part.name))) {
                    throw new IllegalArgumentException("names [" + part + "] twice");
                }
            }
            boolean isWhose = part.kind != Kind.METHOD && part.kind != Kind.PATH;
            if (isWhose) {
                if (part.kind == Kind.GLOBAL ? whose : global) {
                    throw new IllegalArgumentException("global is one budget for every client; it cannot be"
                            + " joined with ip, user, session, header or param");
                }
                whose = true;
                global |= part.kind == Kind.GLOBAL;
            }
            parts.add(part);
        }
        if (!whose) {
            throw new IllegalArgumentException("method and path must be joined with whose budget it is: ip, user,"
                    + " session, header:NAME, param:NAME, or global for one budget for everyone (global+path)");
        }
        return new KeySpec(Collections.unmodifiableList(parts));
    }

    /** One part; its keyword exactly as documented, in lower case (the one case rule of every setting). */
    private static Part part(String item) {
        int colon = item.indexOf(':');
        if (colon > 0) {
            String kind = item.substring(0, colon);
            String name = item.substring(colon + 1).trim();
            if (name.isEmpty() || !(kind.equals("header") || kind.equals("param"))) {
                throw new IllegalArgumentException(RULE);
            }
            if (kind.equals("header")) {
                if (!HttpToken.isToken(name)) {
                    throw new IllegalArgumentException("header name [" + name + "] is not a valid HTTP header name");
                }
                return new Part(Kind.HEADER, name);
            }
            return new Part(Kind.PARAM, name);
        }
        switch (item) {
            case "ip": return new Part(Kind.IP, null);
            case "user": return new Part(Kind.USER, null);
            case "session": return new Part(Kind.SESSION, null);
            case "global": return new Part(Kind.GLOBAL, null);
            case "method": return new Part(Kind.METHOD, null);
            case "path": return new Part(Kind.PATH, null);
            default: throw new IllegalArgumentException(RULE);
        }
    }

    /**
     * The identity of the budget this request spends, as an unambiguous string (each part as
     * {@code kind:length:value}); callers hash it before it goes into a Redis key.
     */
    public String resolve(HttpServletRequest request, String clientIp) {
        return resolve(request, () -> clientIp);
    }

    /**
     * As {@link #resolve(HttpServletRequest, String)}, asking for the client IP only when a part needs it
     * (an {@code ip} part, or a user, session, header or param the request lacks).
     */
    public String resolve(HttpServletRequest request, Supplier<String> clientIp) {
        StringBuilder sb = new StringBuilder(64);
        for (Part p : parts) {
            String value;
            Kind kind = p.kind;
            switch (kind) {
                case IP:
                    value = clientIp.get();
                    break;
                case USER: {
                    Principal principal = request.getUserPrincipal();
                    value = principal == null ? null : principal.getName();
                    break;
                }
                case SESSION: {
                    HttpSession session = request.getSession(false);
                    value = session == null ? null : session.getId();
                    break;
                }
                case HEADER:
                    value = request.getHeader(p.name);
                    break;
                case PARAM:
                    value = queryParameter(request.getQueryString(), p.name);
                    break;
                case GLOBAL:
                    value = "";
                    break;
                case METHOD:
                    value = method(request.getMethod());
                    break;
                case PATH:
                    value = path(RequestPaths.pathWithinApplication(request));
                    break;
                default:
                    throw new IllegalStateException(kind.name());
            }
            if (value == null || (value.isEmpty() && kind != Kind.GLOBAL)) {
                kind = Kind.IP;
                value = clientIp.get();
            }
            sb.append(kind.ordinal()).append(':').append(value.length()).append(':').append(value).append(';');
        }
        return sb.toString();
    }

    /**
     * The method as the servlet serves it: upper-cased ({@code get} is {@code GET}, as {@code methods} compares
     * it), and {@code HEAD} as {@code GET}, which runs {@code doGet}: neither opens a budget of its own.
     */
    static String method(String method) {
        String m = method.toUpperCase(Locale.ROOT);
        return m.equals("HEAD") ? "GET" : m;
    }

    /** The path without a trailing slash: {@code /login/} is {@code /login} to most frameworks, so one budget. */
    static String path(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }

    /**
     * The first value of {@code name} in the query string, as the container hands it to the app; null (the
     * client address's budget) when the query holds an escape the container would not decode the same way
     * (a malformed {@code %}-escape or bytes that are not UTF-8): Tomcat drops such a pair and gives the app
     * the next value, so the raw text would be a fresh budget for every made-up escape. The body is never
     * read here, so a servlet that reads the request body still gets all of it.
     */
    static String queryParameter(String query, String name) {
        if (query == null) {
            return null;
        }
        String found = null;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (key == null || value == null) {
                return null;
            }
            if (found == null && name.equals(key)) {
                found = value;
            }
        }
        return found;
    }

    /** The %-decoded UTF-8 text ({@code +} is a space), or null when it is not well-formed. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
                if (lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(raw, 0, raw.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
