package io.tollgate.internal.http;

import io.tollgate.testing.StubRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.tollgate.testing.StubRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UrlPatternsTest {

    private static final String RULE = "must be servlet URL patterns like /health, /static/* or *.css, separated by"
            + " commas";

    @ParameterizedTest(name = "{0} matches {1}")
    @CsvSource({
            "/health,           /health",
            "/health,           /health/",
            "/static/*,         /static",
            "/static/*,         /static/",
            "/static/*,         /static/app.js",
            "/static/*,         /static/js/app.js",
            "/api/v1/*,         /api/v1/users/7",
            "*.css,             /site.css",
            "*.css,             /static/css/site.css",
            "*.min.js,          /app.min.js",
            "/*,                /",
            "/*,                /anything/at/all",
            "/,                 /anything",
            "'/health, *.css',  /a/b.css",
            "'/health, *.css',  /health",
    })
    void patternMatchesPath(String patterns, String path) {
        assertTrue(UrlPatterns.parse(patterns).matches(path));
    }

    @ParameterizedTest(name = "{0} does not match {1}")
    @CsvSource({
            "/health,           /health/x",
            "/health,           /healthz",
            "/health,           /Health",
            "/static/*,         /staticfiles",
            "/static/*,         /",
            "/static/*,         /api/static/x",
            "*.css,             /site.css/x",
            "*.css,             /site.cssx",
            "*.css,             /site.scss.map",
            "*.css,             /css",
            "'/health, *.css',  /index.html",
    })
    void patternDoesNotMatchPath(String patterns, String path) {
        assertFalse(UrlPatterns.parse(patterns).matches(path));
    }

    @Test
    void requestPathIsServletPathPlusPathInfo() {
        assertTrue(UrlPatterns.parse("/api/v1/*").matches(request().servletPath("/api").pathInfo("/v1/x").build()));
    }

    @Test
    void requestPathLeavesOutTheQueryString() {
        assertTrue(UrlPatterns.parse("/health").matches(request().servletPath("/health").query("full=1").build()));
    }

    @Test
    void requestOutsideThePatternsDoesNotMatch() {
        assertFalse(UrlPatterns.parse("/api").matches(request().servletPath("/api").pathInfo("/x").build()));
    }

    @Test
    void patternsAreListedForErrorsAndLogs() {
        assertEquals("/health,/static/*,*.css", UrlPatterns.parse(" /health , /static/*,*.css").toString());
    }

    @Test
    void ofAcceptsAList() {
        assertTrue(UrlPatterns.of(List.of("/login", "/logout")).matches("/logout"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"health", "static/*", "/static*", "/a/*/b", "/*.css", "/a/**", "*", "**", "*.",
            "*.css/x", "*.c*", "css", "http://host/x"})
    void invalidPatternIsRejectedNamingIt(String pattern) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UrlPatterns.parse(pattern));
        assertEquals("pattern [" + pattern + "] " + RULE, e.getMessage());
    }

    @Test
    void firstInvalidPatternOfAListIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UrlPatterns.parse("/ok, bad, worse"));
        assertEquals("pattern [bad] " + RULE, e.getMessage());
    }

    @Test
    void emptyItemIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UrlPatterns.parse("/a,,/b"));
        assertEquals("has an empty item; write items separated by single commas", e.getMessage());
    }
}
