package io.tollgate.testing;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends each request through a second dispatch of the same request, as apps do: {@code /forward} forwards to
 * {@code /target}, {@code /include} includes it, {@code /async} starts async and dispatches back to itself,
 * {@code /error} sends a 418 that an {@code <error-page>} renders at {@code /oops}. {@code /target} (and the
 * async dispatch) answer 201 with the number of runs; it reads the whole body first.
 */
public class DispatchingServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The status the {@code /error} path sends; map an error page for it to {@code /oops}. */
    public static final int ERROR_STATUS = 418;

    private final AtomicInteger runs = new AtomicInteger();

    /** How many times the final answer was written (the work the request asked for). */
    public int runs() {
        return runs.get();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (req.getDispatcherType() == DispatcherType.INCLUDE) {
            work(req, resp); // an included servlet sees the includer's path: this is /target
            return;
        }
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        switch (path) {
            case "/forward":
                req.getRequestDispatcher("/target").forward(req, resp);
                return;
            case "/include":
                resp.setStatus(201);
                req.getRequestDispatcher("/target").include(req, resp);
                return;
            case "/async":
                if (req.getDispatcherType() == DispatcherType.ASYNC) {
                    work(req, resp);
                } else {
                    AsyncContext async = req.startAsync();
                    async.dispatch();
                }
                return;
            case "/error":
                req.getInputStream().readAllBytes();
                resp.sendError(ERROR_STATUS);
                return;
            case "/oops":
                resp.setContentType("text/plain");
                resp.getWriter().write("oops " + req.getDispatcherType());
                return;
            default:
                work(req, resp);
        }
    }

    private void work(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getInputStream().readAllBytes();
        int run = runs.incrementAndGet();
        resp.setStatus(201);
        resp.setContentType("text/plain");
        resp.getWriter().write("run " + run + " " + req.getDispatcherType());
    }
}
