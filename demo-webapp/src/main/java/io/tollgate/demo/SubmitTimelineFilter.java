package io.tollgate.demo;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Demo only, in front of the DoubleSubmitFilters: notes, per submit the page tags with {@code X-Demo-Click},
 * when it arrived at this instance and when its answer was done, with the status. The page draws the lock
 * timeline from these server-side times: the one answered 201 (not replayed) held the RLock from its arrival
 * until its answer; a 409 was refused while it was held; a replayed 201 waited for it.
 */
public class SubmitTimelineFilter implements Filter {

    private static final int KEPT = 200;
    private static final Deque<Map<String, Object>> EVENTS = new ArrayDeque<>();

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String click = request.getHeader("X-Demo-Click");
        long arrived = System.currentTimeMillis();
        try {
            chain.doFilter(req, res);
        } finally {
            if (click != null && !"OPTIONS".equals(request.getMethod())) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("click", click);
                event.put("instance", DemoJson.instance(request.getServletContext()));
                event.put("arrived", arrived);
                event.put("answered", System.currentTimeMillis());
                event.put("status", response.getStatus());
                event.put("replayed", "true".equals(response.getHeader("Idempotent-Replayed")));
                synchronized (EVENTS) {
                    EVENTS.addLast(event);
                    while (EVENTS.size() > KEPT) {
                        EVENTS.removeFirst();
                    }
                }
            }
        }
    }

    /** The submits of one click this instance saw. */
    static List<Map<String, Object>> events(String click) {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (EVENTS) {
            for (Map<String, Object> e : EVENTS) {
                if (e.get("click").equals(click)) {
                    out.add(e);
                }
            }
        }
        return out;
    }
}
