package io.tollgate.testing;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An async servlet: it frees the container thread at once and completes on its own thread when the test
 * calls {@link #release()} (or after 30 s, so that nothing hangs).
 */
public class AsyncSubmitServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final AtomicInteger runs = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);
    private final ExecutorService worker = Executors.newSingleThreadExecutor();

    public int runs() {
        return runs.get();
    }

    public void release() {
        release.countDown();
    }

    /** Waits until a request went async. */
    public boolean awaitStarted() throws InterruptedException {
        return started.await(20, TimeUnit.SECONDS);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        int order = runs.incrementAndGet();
        AsyncContext async = req.startAsync();
        async.setTimeout(60_000);
        started.countDown();
        worker.execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
                HttpServletResponse r = (HttpServletResponse) async.getResponse();
                r.setStatus(200);
                r.setContentType("text/plain");
                r.getWriter().write("order " + order);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // the client sees a broken answer, and its test fails
            } finally {
                async.complete();
            }
        });
    }

    @Override
    public void destroy() {
        release.countDown();
        worker.shutdownNow();
    }
}
