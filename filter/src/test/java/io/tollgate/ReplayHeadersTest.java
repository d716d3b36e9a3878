package io.tollgate;

import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A replay sends the stored {@code Content-Type} (issue 19, item 9), on Jetty and Tomcat. */
@ExtendWith(RedisExtension.class)
class ReplayHeadersTest {

    /** An app's filter mapped before DoubleSubmitFilter that sets a default type on every response. */
    public static final class HtmlByDefaultFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            response.setContentType("text/html;charset=UTF-8");
            chain.doFilter(request, response);
        }
    }

    /** Answers JSON. */
    static final class JsonServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            resp.setStatus(201);
            resp.setContentType("application/json");
            resp.getWriter().write("{\"order\":1}");
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aReplayGoesOutWithTheStoredContentTypeWhateverAnEarlierFilterSet(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        try (TestApp app = kind.builder().filter(FilterSpec.of("html", HtmlByDefaultFilter.class))
                .filter(DoubleSubmitFilterTest.guard(redis, RedisExtension.uniquePrefix(), "mode", "replay"))
                .servlet("/*", new JsonServlet()).start()) {
            HttpResponse<String> first = Http.post(app.uri("/order"), "{\"n\":1}", "Content-Type", "application/json",
                    "Idempotency-Key", "k-1");
            HttpResponse<String> replay = Http.post(app.uri("/order"), "{\"n\":1}", "Content-Type", "application/json",
                    "Idempotency-Key", "k-1");
            assertEquals("application/json", first.headers().firstValue("Content-Type").orElse("").split(";")[0]);
            assertEquals("true", replay.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertEquals(first.body(), replay.body());
            assertEquals("application/json", replay.headers().firstValue("Content-Type").orElse("").split(";")[0],
                    replay.headers().map().toString());
        }
    }
}
