package io.tollgate.outbound;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * A rate-limited external API, as a provider runs it: a strict sliding window over the times of the calls
 * it answers 200 (more in any window gets 429), recording every call. A call's time is when the caller
 * made it ({@value #CALLED_AT}, the caller's {@code System.nanoTime()} in this JVM) where the caller says
 * so, else when it arrived: on a starved 2-core machine the HTTP hop alone delays single calls by more than
 * the limiter's margin, which says nothing of when the limiter let them go.
 */
class Upstream extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final int limit;
    private final long windowNanos;
    /** Header carrying the caller's {@code System.nanoTime()} when it made the call. */
    static final String CALLED_AT = "X-Called-At";

    /** Admitted calls' times, with how many at each (times may arrive slightly out of order). */
    private final TreeMap<Long, Integer> admitted = new TreeMap<>();
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
        String calledAt = req.getHeader(CALLED_AT);
        long now = calledAt != null ? Long.parseLong(calledAt) : System.nanoTime();
        arrivals.add(now);
        boolean ok;
        synchronized (this) {
            int inWindow = 0;
            for (int n : admitted.headMap(now, true).tailMap(now - windowNanos, false).values()) {
                inWindow += n;
            }
            ok = inWindow < limit;
            if (ok) {
                admitted.merge(now, 1, Integer::sum);
                admitted.headMap(now - 2 * windowNanos).clear();
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
