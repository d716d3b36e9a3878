package io.tollgate.internal.http;

import jakarta.servlet.http.HttpServletRequest;

/** The path a request addresses inside the webapp, as servlet URL patterns see it. */
public final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * Servlet path plus path info: decoded, normalised by the container, without the context path or
     * {@code ;jsessionid}-style path parameters, so {@code /api/x;a=b} and {@code /api//x} cannot pose as
     * new paths.
     */
    public static String pathWithinApplication(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return path.isEmpty() ? "/" : path;
    }
}
