package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two app instances (a Jetty and a Tomcat, each with its own Redisson client) sharing one Redis keep one
 * budget exactly, under concurrent load.
 */
@ExtendWith(RedisExtension.class)
class SharedBudgetTest {

    @RepeatedTest(3)
    void twoInstancesAdmitExactlyTheLimitBetweenThem(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet onJetty = new CountingServlet();
        CountingServlet onTomcat = new CountingServlet();
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("limits", "50/1m").param("key", "global");
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", onTomcat).start()) {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                TestApp app = i % 2 == 0 ? a : b;
                requests.add(Http.request(i % 4 < 2 ? app.uri("/buy") : app.uriV6("/buy")).GET().build());
            }
            List<HttpResponse<String>> answers = Http.sendAll(requests);
            long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
            long rejected = answers.stream().filter(r -> r.statusCode() == 429).count();
            assertEquals(50, admitted);
            assertEquals(150, rejected);
            assertEquals(50, onJetty.hits() + onTomcat.hits());
        }
    }
}
