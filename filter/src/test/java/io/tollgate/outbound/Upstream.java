package io.tollgate.outbound;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * A rate-limited external API, as a provider runs it: a strict sliding window over the arrival times of
 * the calls it answers 200 (more in any window gets 429), recording every call.
 */
class Upstream extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final int limit;
    private final long windowNanos;
    private final Deque<Long> admitted = new ArrayDeque<>();
    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    private int rejected;

    Upstream(int limit, long windowNanos) {
        this.limit = limit;
        this.windowNanos = windowNanos;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getRequestURI().endsWith("/warm")) {
            resp.setStatus(204); // opens the caller's connection; not a call to the API
            return;
        }
        long now = System.nanoTime();
        arrivals.add(now);
        boolean ok;
        synchronized (this) {
            while (!admitted.isEmpty() && now - admitted.peekFirst() >= windowNanos) {
                admitted.pollFirst();
            }
            ok = admitted.size() < limit;
            if (ok) {
                admitted.addLast(now);
            } else {
                rejected++;
            }
        }
        resp.setStatus(ok ? 200 : 429);
        resp.getWriter().write(ok ? "ok" : "slow down");
    }

    synchronized int rejected() {
        return rejected;
    }

    /** Every call's arrival time. */
    List<Long> arrivals() {
        synchronized (arrivals) {
            return new ArrayList<>(arrivals);
        }
    }

    /** The most calls that arrived within any one window. */
    int busiestWindow() {
        List<Long> times = arrivals();
        Collections.sort(times);
        int most = 0;
        int start = 0;
        for (int end = 0; end < times.size(); end++) {
            while (times.get(end) - times.get(start) >= windowNanos) {
                start++;
            }
            most = Math.max(most, end - start + 1);
        }
        return most;
    }
}
