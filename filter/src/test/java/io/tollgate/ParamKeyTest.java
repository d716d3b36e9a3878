package io.tollgate;

import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@code param:} key sees what the app sees (issue 19, item 6), on Jetty 12 and Tomcat 11, and on Tomcat 10.1
 * (the filter pom's tomcat-10.1 run), whose answer to a malformed escape differs (it hands the app the next value).
 */
@ExtendWith(RedisExtension.class)
class ParamKeyTest {

    /** Answers the {@code api_key} the container hands the app. */
    static final class ApiKeyServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().write("api_key=" + req.getParameter("api_key"));
        }
    }

    static List<TestApp.Kind> containers() {
        return TestApp.Kind.tested();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aMalformedEscapeBeforeTheRealKeyIsNoFreshBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        try (TestApp app = kind.builder().filter(RateLimitApps.limiter(redis, "limits", "2/1m", "key", "param:api_key"))
                .servlet("/*", new ApiKeyServlet()).start()) {
            List<String> answers = new ArrayList<>();
            StringBuilder statuses = new StringBuilder();
            for (int i = 1; i <= 4; i++) {
                RawHttp.Response r = RawHttp.send(app.port(), "GET", "/api?api_key=%zz" + i + "&api_key=REAL",
                        new byte[0]);
                statuses.append(r.status).append(' ');
                answers.add(r.status + " " + r.body.lines().findFirst().orElse(""));
            }
            System.out.println("ParamKeyTest " + kind + ": " + answers);
            // whatever the container makes of it (Tomcat 11 and Jetty 12 answer 400 when the app asks for the
            // parameter; Tomcat 10.1 hands the app REAL), a made-up escape never opens a new budget: the
            // address's budget (2/1m) is spent, and the third request is rejected before it reaches the app
            assertEquals("429 429 ", statuses.substring(8), answers.toString());
        }
    }
}
