package io.tollgate.testing;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request answering only what the pure-logic classes read: remote address, headers, paths, method,
 * query string, user and session. Anything else throws, so a test also proves what the code does not read
 * (the body, {@code getParameter}).
 */
public final class StubRequest {

    private String remoteAddr = "192.0.2.1";
    // Header names are case-insensitive, as in every container; each value is one header line.
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private String servletPath = "";
    private String pathInfo;
    private String method = "GET";
    private String queryString;
    private String user;
    private String sessionId;

    private StubRequest() {
    }

    public static StubRequest request() {
        return new StubRequest();
    }

    public StubRequest remoteAddr(String value) {
        remoteAddr = value;
        return this;
    }

    /** Adds one header line; call again with the same name for another line. */
    public StubRequest header(String name, String value) {
        headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        return this;
    }

    public StubRequest servletPath(String value) {
        servletPath = value;
        return this;
    }

    public StubRequest pathInfo(String value) {
        pathInfo = value;
        return this;
    }

    public StubRequest method(String value) {
        method = value;
        return this;
    }

    public StubRequest query(String value) {
        queryString = value;
        return this;
    }

    public StubRequest user(String name) {
        user = name;
        return this;
    }

    public StubRequest session(String id) {
        sessionId = id;
        return this;
    }

    public HttpServletRequest build() {
        return proxy(HttpServletRequest.class, this::answer);
    }

    private Object answer(Object proxy, Method m, Object[] args) {
        switch (m.getName()) {
            case "getRemoteAddr":
                return remoteAddr;
            case "getHeaders": {
                List<String> lines = headers.get((String) args[0]);
                return Collections.enumeration(lines == null ? Collections.<String>emptyList() : lines);
            }
            case "getHeader": {
                List<String> lines = headers.get((String) args[0]);
                return lines == null ? null : lines.get(0);
            }
            case "getServletPath":
                return servletPath;
            case "getPathInfo":
                return pathInfo;
            case "getMethod":
                return method;
            case "getQueryString":
                return queryString;
            case "getUserPrincipal":
                if (user == null) {
                    return null;
                }
                String name = user;
                return (Principal) () -> name;
            case "getSession":
                if (sessionId == null) {
                    return null;
                }
                String id = sessionId;
                return proxy(HttpSession.class, (p, sm, sa) -> {
                    if (sm.getName().equals("getId")) {
                        return id;
                    }
                    return objectMethod(p, sm, sa, "HttpSession");
                });
            default:
                return objectMethod(proxy, m, args, "HttpServletRequest");
        }
    }

    public static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(StubRequest.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** equals, hashCode and toString of a stub; any other method is one the test did not expect. */
    public static Object objectMethod(Object proxy, Method m, Object[] args, String what) {
        switch (m.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "stub " + what;
            default:
                throw new UnsupportedOperationException("stub " + what + " does not answer " + m.getName());
        }
    }
}
