package io.tollgate.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts the request thread while the next filter waits on Redis. Mapped with init-param
 * {@code role=interrupt} before the filter under test (interrupts its own thread {@code afterMillis}
 * after the request enters, and clears the flag again on the way out, so the pooled thread stays clean),
 * and with {@code role=probe} after it (counts the requests that arrive with the flag still set: the
 * filter under test restored it).
 */
public class InterruptingFilter implements Filter {

    /** Requests the probe saw arrive with the interrupt flag set. */
    public static final AtomicInteger FLAG_SEEN = new AtomicInteger();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "interrupting-filter");
        t.setDaemon(true);
        return t;
    });

    private boolean probe;
    private long afterMillis;

    @Override
    public void init(FilterConfig config) {
        probe = "probe".equals(config.getInitParameter("role"));
        String after = config.getInitParameter("afterMillis");
        afterMillis = after == null ? 200 : Long.parseLong(after);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (probe) {
            if (Thread.interrupted()) {
                FLAG_SEEN.incrementAndGet(); // cleared here: the servlet writes its answer undisturbed
            }
            chain.doFilter(request, response);
            return;
        }
        Thread me = Thread.currentThread();
        ScheduledFuture<?> interrupt = TIMER.schedule(me::interrupt, afterMillis, TimeUnit.MILLISECONDS);
        try {
            chain.doFilter(request, response);
        } finally {
            interrupt.cancel(false);
            Thread.interrupted();
        }
    }
}
