package io.tollgate.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** Writes the demo's JSON answers. */
final class DemoJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoJson() {
    }

    static void write(HttpServletResponse response, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** This instance's name, from the context-param the launcher sets per instance. */
    static String instance(jakarta.servlet.ServletContext context) {
        String name = context.getInitParameter("demo.instance");
        return name == null ? "A" : name;
    }
}
