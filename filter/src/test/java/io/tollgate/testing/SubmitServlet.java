package io.tollgate.testing;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for "place order": every run gets a new order number. It answers what reached it: the
 * SHA-256 of the raw body it read ({@code /raw}), the text read through {@code getReader} ({@code /text}),
 * or the form fields seen through {@code getParameter} ({@code /form}).
 */
public class SubmitServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final AtomicInteger runs = new AtomicInteger();

    public int runs() {
        return runs.get();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int order = runs.incrementAndGet();
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        String answer;
        if (path.endsWith("/form")) {
            Map<String, String> fields = new TreeMap<>();
            req.getParameterMap().forEach((k, v) -> fields.put(k, String.join("|", v)));
            answer = "form=" + fields;
        } else if (path.endsWith("/text")) {
            StringBuilder sb = new StringBuilder();
            char[] buf = new char[1024];
            int n;
            while ((n = req.getReader().read(buf)) >= 0) {
                sb.append(buf, 0, n);
            }
            answer = "text=" + sb;
        } else {
            byte[] body = req.getInputStream().readAllBytes();
            answer = "sha256=" + sha256(body) + " length=" + body.length;
        }
        resp.setStatus(201);
        resp.setContentType("text/plain;charset=UTF-8");
        resp.setHeader("X-Order", Integer.toString(order));
        resp.addHeader("Set-Cookie", "order=" + order);
        resp.getWriter().write("order " + order + " " + answer);
    }

    public static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** UTF-8 bytes. */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
