package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client flooding far over its limit is rejected in process: Redis hears of it once per wait. */
class FloodTest {

    /** Script calls Redis has run: the limiter's one command per decision. */
    static long scriptCalls(Resp resp) throws Exception {
        String stats = (String) resp.call("INFO", "commandstats");
        long calls = 0;
        Matcher m = Pattern.compile("cmdstat_(evalsha|eval):calls=(\\d+)").matcher(stats);
        while (m.find()) {
            calls += Long.parseLong(m.group(2));
        }
        return calls;
    }

    @Test
    void rejectionsWithinTheWaitDoNotReachRedis() throws Exception {
        try (RedisServer redis = RedisServer.startNew();
             TestApp app = TestApp.Kind.JETTY.builder().filter(FilterSpec.of("api", RateLimitFilter.class)
                     .param("redisAddress", redis.url()).param("limits", "3/1m"))
                     .servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.get(app.uri("/")).statusCode());
            }
            HttpResponse<String> first = Http.get(app.uri("/"));
            assertEquals(429, first.statusCode());
            long callsAfterFirstRejection = scriptCalls(resp);
            long firstRetry = Long.parseLong(first.headers().firstValue("Retry-After").orElseThrow());
            for (int i = 0; i < 200; i++) {
                HttpResponse<String> r = Http.get(app.uri("/"));
                assertEquals(429, r.statusCode());
                long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
                assertTrue(retry >= 1 && retry <= firstRetry, "Retry-After " + retry + " after " + firstRetry);
                assertTrue(r.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=0;t="));
                assertTrue(r.body().contains("\"retryAfter\":" + retry), r.body());
            }
            assertEquals(callsAfterFirstRejection, scriptCalls(resp), "rejections remembered, Redis not asked");
            // another client is not affected
            assertEquals(200, Http.get(app.uriV6("/")).statusCode());
        }
    }
}
