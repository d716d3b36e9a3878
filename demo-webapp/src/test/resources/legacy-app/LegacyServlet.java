package legacy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one servlet of the hand-made legacy WAR (compiled by the test, for jakarta.servlet or, with the
 * package renamed, javax.servlet): GET answers "ok"; POST counts the submits that reached it; GET /count
 * tells how many did.
 */
public class LegacyServlet extends HttpServlet {

    private static final AtomicInteger SUBMITS = new AtomicInteger();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        resp.getWriter().print("/count".equals(req.getServletPath()) ? String.valueOf(SUBMITS.get()) : "ok");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int n = SUBMITS.incrementAndGet();
        resp.setStatus(201);
        resp.setContentType("text/plain");
        resp.getWriter().print("submit " + n);
    }
}
