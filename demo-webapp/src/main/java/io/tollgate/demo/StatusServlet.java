package io.tollgate.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** This instance, the orders that ran here (with {@code ?click=}: the times of that click's submits), and where the other instances are. Never limited. */
public class StatusServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String instances = getServletContext().getInitParameter("demo.instances");
        List<String> origins = instances == null || instances.isBlank() ? List.of()
                : Arrays.asList(instances.split(","));
        Map<String, Object> orders = new LinkedHashMap<>();
        orders.put("reject", OrdersServlet.ran("reject"));
        orders.put("replay", OrdersServlet.ran("replay"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", DemoJson.instance(getServletContext()));
        body.put("orders", orders);
        body.put("instances", origins);
        String click = req.getParameter("click");
        if (click != null) {
            body.put("timeline", SubmitTimelineFilter.events(click));
        }
        DemoJson.write(resp, 200, body);
    }
}
