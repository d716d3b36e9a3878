package io.tollgate.bench;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The ceiling of any filter whose request waits for an answer made on another thread (as a request waits
 * for Redis's answer on a Netty thread): Redis infinitely fast, nothing asked, only the hand-off. Each
 * request's container thread waits on a future that one "I/O" thread completes, then the request passes.
 * A hot key's decisions cannot be made on the container thread without giving up exactness, so no
 * combining can beat this variant.
 */
public final class HandoffFilter implements Filter {

    private ExecutorService io;

    @Override
    public void init(FilterConfig config) {
        io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-handoff");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        try {
            CompletableFuture.supplyAsync(() -> Boolean.TRUE, io).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServletException(e);
        } catch (ExecutionException e) {
            throw new ServletException(e.getCause());
        }
        chain.doFilter(req, res);
    }

    @Override
    public void destroy() {
        io.shutdownNow();
    }
}
