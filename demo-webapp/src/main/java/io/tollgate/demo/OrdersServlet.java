package io.tollgate.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "Place order", guarded by DoubleSubmitFilter at {@code /orders/reject} and {@code /orders/replay}. It
 * counts the orders that really ran on this instance, and takes a moment, as a payment would.
 */
public class OrdersServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final long WORK_MILLIS = 300;

    /** Orders that ran on this instance, by mode. */
    static final Map<String, AtomicInteger> RAN = new ConcurrentHashMap<>();

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String mode = req.getPathInfo() == null ? "reject" : req.getPathInfo().substring(1);
        byte[] order = req.getInputStream().readAllBytes();
        int number = RAN.computeIfAbsent(mode, m -> new AtomicInteger()).incrementAndGet();
        try {
            Thread.sleep(WORK_MILLIS); // the payment provider takes its time: duplicates arrive meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", DemoJson.instance(getServletContext()));
        body.put("mode", mode);
        body.put("order", DemoJson.instance(getServletContext()) + "-" + number);
        body.put("bytes", order.length);
        DemoJson.write(resp, 201, body);
    }

    static int ran(String mode) {
        AtomicInteger n = RAN.get(mode);
        return n == null ? 0 : n.get();
    }
}
