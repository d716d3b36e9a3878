package io.tollgate.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The rate-limited JSON API: a stock quote. */
public class QuoteServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", DemoJson.instance(getServletContext()));
        body.put("symbol", "TOLL");
        body.put("price", Math.round(ThreadLocalRandom.current().nextDouble(90, 110) * 100) / 100.0);
        DemoJson.write(resp, 200, body);
    }
}
