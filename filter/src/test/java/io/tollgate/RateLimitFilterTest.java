package io.tollgate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(RedisExtension.class)
class RateLimitFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestApp app(TestApp.Kind kind, RedisServer redis, CountingServlet servlet, String... params)
            throws TestApp.StartupFailure {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", redis.url())
                .param("keyPrefix", RedisExtension.uniquePrefix());
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return kind.builder().filter(filter).servlet("/*", servlet).start();
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void requestOverTheLimitIsRejectedWithHeadersAndProblemBody(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "3/1m")) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> ok = Http.get(app.uri("/orders"));
                assertEquals(200, ok.statusCode());
                assertEquals("\"api\";q=3;w=60", ok.headers().firstValue("RateLimit-Policy").orElse(null));
                String rateLimit = ok.headers().firstValue("RateLimit").orElse("");
                assertTrue(rateLimit.startsWith("\"api\";r=" + (2 - i) + ";t="), rateLimit);
            }
            HttpResponse<String> rejected = Http.get(app.uri("/orders"));
            assertEquals(429, rejected.statusCode());
            assertEquals("application/problem+json", rejected.headers().firstValue("Content-Type").orElse(""));
            long retryAfter = Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 59 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertEquals("\"api\";q=3;w=60", rejected.headers().firstValue("RateLimit-Policy").orElse(null));
            Matcher m = Pattern.compile("\"api\";r=0;t=(\\d+)")
                    .matcher(rejected.headers().firstValue("RateLimit").orElse(""));
            assertTrue(m.matches(), rejected.headers().firstValue("RateLimit").orElse(""));
            assertEquals(retryAfter, Long.parseLong(m.group(1)));
            JsonNode body = JSON.readTree(rejected.body());
            assertEquals("about:blank", body.get("type").asText());
            assertEquals("Too Many Requests", body.get("title").asText());
            assertEquals(429, body.get("status").asInt());
            assertEquals("api", body.get("policy").asText());
            assertEquals(retryAfter, body.get("retryAfter").asLong());
            assertTrue(body.get("detail").asText().contains("3/1m"), body.get("detail").asText());
            assertEquals(3, servlet.hits());
        }
    }
}
