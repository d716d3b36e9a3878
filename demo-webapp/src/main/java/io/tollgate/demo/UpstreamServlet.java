package io.tollgate.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A simulated external API with two providers, {@code /upstream/alpha} and {@code /upstream/beta}, each
 * allowing {@value #LIMIT} calls per second and answering 429 above that, as a real provider would (it
 * counts on its own, in this instance's memory).
 */
public class UpstreamServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final int LIMIT = 10;
    private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

    private final Map<String, Deque<Long>> calls = new ConcurrentHashMap<>();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String provider = req.getPathInfo() == null ? "alpha" : req.getPathInfo().substring(1);
        Deque<Long> window = calls.computeIfAbsent(provider, p -> new ArrayDeque<>());
        long now = System.nanoTime();
        boolean ok;
        synchronized (window) {
            while (!window.isEmpty() && now - window.peekFirst() >= WINDOW) {
                window.pollFirst();
            }
            ok = window.size() < LIMIT;
            if (ok) {
                window.addLast(now);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", provider);
        body.put("result", ok ? "ok" : "rate limited: " + LIMIT + " calls per second");
        DemoJson.write(resp, ok ? 200 : 429, body);
    }
}
