package io.tollgate.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Catches the exceptions Tomcat logs while a context starts (it logs why a filter failed instead of
 * throwing), so that a test can show the filter's own message. Use with try-with-resources around
 * {@code tomcat.start()} or {@code addWebapp}.
 */
public final class StartupErrors extends Handler implements AutoCloseable {

    private final List<Throwable> errors = new ArrayList<>();

    public StartupErrors() {
        // Tomcat logs under per-container logger names; listen at the root
        Logger.getLogger("").addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (record.getThrown() != null) {
            errors.add(record.getThrown());
        }
    }

    /** The root cause's message of the first exception logged, or {@code fallback}. */
    public synchronized String firstReason(String fallback) {
        if (errors.isEmpty()) {
            return fallback;
        }
        Throwable t = errors.get(0);
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** The first exception logged, or null. */
    public synchronized Throwable first() {
        return errors.isEmpty() ? null : errors.get(0);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
