package io.tollgate.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 {@code application/problem+json} answers. */
public final class ProblemResponse {

    /** Media type of the body: {@value}. */
    public static final String CONTENT_TYPE = "application/problem+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProblemResponse() {
    }

    /** The reason phrase of a status, used as the problem's title. */
    public static String title(int status) {
        switch (status) {
            case 400: return "Bad Request";
            case 403: return "Forbidden";
            case 409: return "Conflict";
            case 422: return "Unprocessable Content";
            case 429: return "Too Many Requests";
            case 500: return "Internal Server Error";
            case 503: return "Service Unavailable";
            default: return status < 500 ? "Request Rejected" : "Service Unavailable";
        }
    }

    /** A problem body with type {@code about:blank}, the status's title, {@code detail} and extra members. */
    public static Map<String, Object> body(int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return body;
    }

    /** Writes the status and the body; the caller has set any other header first. */
    public static void write(HttpServletResponse response, int status, Map<String, Object> body) throws IOException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers always serialises", e);
        }
        response.setStatus(status);
        response.setContentType(CONTENT_TYPE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
        response.flushBuffer();
    }

    /**
     * The answer of {@code onBackendFailure=deny}: sets 503's {@code Retry-After} (backendTimeout rounded up)
     * and returns its body, for the caller to add to and {@link #write}.
     */
    public static Map<String, Object> backendUnavailable(HttpServletResponse response, Duration backendTimeout,
            String detail) {
        long seconds = retryAfterSeconds(backendTimeout.toMillis());
        response.setHeader("Retry-After", Long.toString(seconds));
        Map<String, Object> body = body(503, title(503), detail);
        body.put("retryAfter", seconds);
        return body;
    }

    /** {@code Retry-After} in whole seconds, rounded up, at least 1. */
    public static long retryAfterSeconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }
}
