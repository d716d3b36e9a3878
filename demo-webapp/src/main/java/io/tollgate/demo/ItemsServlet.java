package io.tollgate.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Endpoints limited each on their own ({@code key=ip+method+path}): {@code /api/items/NAME}. */
public class ItemsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String item = req.getPathInfo() == null ? "/" : req.getPathInfo();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", DemoJson.instance(getServletContext()));
        body.put("item", item.substring(1));
        DemoJson.write(resp, 200, body);
    }
}
