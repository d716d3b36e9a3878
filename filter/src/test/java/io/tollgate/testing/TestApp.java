package io.tollgate.testing;

import jakarta.servlet.http.HttpServlet;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real servlet container (embedded Jetty 12 or Tomcat 11) on free loopback ports, IPv4 and IPv6,
 * configured the way web.xml configures it: context-params, filters with string init-params, servlets.
 */
public abstract class TestApp implements AutoCloseable {

    static final Path WORK = Paths.get(System.getProperty("tollgate.test.workDir", "target/test-work"));

    /** The containers every filter test runs in. */
    public enum Kind {
        JETTY, TOMCAT;

        public Builder builder() {
            return new Builder(this);
        }

        /**
         * The containers this run covers: all, or those {@code tollgate.test.containers} lists (the filter pom's
         * tomcat-10.1 run re-runs tests on Tomcat 10.1 alone).
         */
        public static java.util.List<Kind> tested() {
            String only = System.getProperty("tollgate.test.containers");
            java.util.List<Kind> kinds = new ArrayList<>();
            for (Kind kind : values()) {
                if (only == null || java.util.Arrays.asList(only.split(",")).contains(kind.name())) {
                    kinds.add(kind);
                }
            }
            return kinds;
        }
    }

    /** Thrown when the webapp did not start, with the container's reason (e.g. the filter's ServletException). */
    public static final class StartupFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartupFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What to deploy. */
    public static final class Builder {
        final Kind kind;
        final Map<String, String> contextParams = new LinkedHashMap<>();
        final Map<String, Object> contextAttributes = new LinkedHashMap<>();
        final List<FilterSpec> filters = new ArrayList<>();
        final Map<String, HttpServlet> servlets = new LinkedHashMap<>();
        final Map<Integer, String> errorPages = new LinkedHashMap<>();
        int maxThreads;

        Builder(Kind kind) {
            this.kind = kind;
        }

        public Builder contextParam(String name, String value) {
            contextParams.put(name, value);
            return this;
        }

        public Builder contextAttribute(String name, Object value) {
            contextAttributes.put(name, value);
            return this;
        }

        public Builder filter(FilterSpec filter) {
            filters.add(filter);
            return this;
        }

        /** A servlet at a URL pattern (async supported). */
        public Builder servlet(String urlPattern, HttpServlet servlet) {
            servlets.put(urlPattern, servlet);
            return this;
        }

        /** An {@code <error-page>}: responses with this status are rendered by an ERROR dispatch to {@code location}. */
        public Builder errorPage(int status, String location) {
            errorPages.put(status, location);
            return this;
        }

        /** Limits the request threads (the container's pool is otherwise its default). */
        public Builder maxThreads(int maxThreads) {
            this.maxThreads = maxThreads;
            return this;
        }

        public TestApp start() throws StartupFailure {
            TestApp app = kind == Kind.JETTY ? new JettyApp(this) : new TomcatApp(this);
            try {
                app.doStart();
            } catch (StartupFailure e) {
                app.close();
                throw e;
            } catch (Exception e) {
                app.close();
                throw new StartupFailure(rootMessage(e), e);
            }
            return app;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    static Path newWorkDir(String name) {
        try {
            return Files.createTempDirectory(Files.createDirectories(WORK), name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    abstract void doStart() throws Exception;

    /** The IPv4 loopback port. */
    public abstract int port();

    /** The IPv6 loopback port. */
    public abstract int portV6();

    /** {@code http://127.0.0.1:PORT/path}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** {@code http://[::1]:PORT/path}: a second client address on the same machine. */
    public URI uriV6(String path) {
        return URI.create("http://[::1]:" + portV6() + path);
    }

    @Override
    public abstract void close();
}
