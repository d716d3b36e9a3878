package io.tollgate.testing;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Answers 200 "ok" and counts the requests that reached it. */
public class CountingServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final AtomicInteger hits = new AtomicInteger();

    public int hits() {
        return hits.get();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        hits.incrementAndGet();
        resp.setStatus(200);
        resp.setContentType("text/plain");
        resp.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
    }
}
