package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract with {@code algorithm=token-bucket}: a permit comes back every {@code period / count}; and what
 * only a token bucket promises: {@code burst}, the bound on any span, constant memory for large counts.
 */
class TokenBucketFilterTest extends RateLimitFilterContract {

    @Override
    String algorithm() {
        return "token-bucket";
    }

    @Override
    long refillSeconds(long count, long periodSeconds) {
        return (periodSeconds + count - 1) / count;
    }

    @Override
    long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception {
        // the key lives until the bucket is full again: held permits = that time in refill steps, rounded up
        long ttl = (Long) resp.call("PTTL", resp.keys(prefix + "tb:{" + policy + ":*").get(0));
        double step = (double) periodMillis / count;
        return (long) Math.ceil(ttl / step);
    }

    @Test
    void burstRequestsComeAtOnceThenOnePerRefill(RedisServer redis) throws Exception {
        try (TestApp app = app(TestApp.Kind.JETTY, redis, new CountingServlet(), "limits", "5/1m", "burst", "3")) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> ok = Http.get(app.uri("/"));
                assertEquals(200, ok.statusCode());
                assertTrue(header(ok, "RateLimit").matches("\"api\";r=" + (2 - i) + ";t=\\d+"), header(ok, "RateLimit"));
            }
            HttpResponse<String> rejected = Http.get(app.uri("/"));
            assertEquals(429, rejected.statusCode());
            long retryAfter = Long.parseLong(header(rejected, "Retry-After"));
            // three were saved up; the next permit comes 60s / 5 = 12s after the bucket was last full
            assertTrue(retryAfter >= 11 && retryAfter <= 12, "Retry-After " + retryAfter);
        }
    }

    /** One answered request: when it was sent and answered (ns), and whether it was admitted. */
    private record Sent(long sentNanos, long answeredNanos, boolean admitted) {
    }

    @Test
    void noSpanAdmitsMoreThanBurstPlusTheRateTimesItsLength(RedisServer redis) throws Exception {
        long burst = 5;
        double perNano = 20 / 2e9; // 20/2s
        try (TestApp app = app(TestApp.Kind.TOMCAT, redis, new CountingServlet(), "limits", "20/2s", "burst", "5")) {
            List<Sent> sent = new ArrayList<>();
            long start = System.nanoTime();
            while (System.nanoTime() - start < 2_500_000_000L) {
                long before = System.nanoTime();
                int status = Http.get(app.uri("/")).statusCode();
                sent.add(new Sent(before, System.nanoTime(), status == 200));
            }
            List<Sent> admitted = sent.stream().filter(Sent::admitted).toList();
            // Redis decided each request between its sending and its answer: the span between the decisions
            // of admitted requests i and j is at most answered(j) - sent(i), so this bound holds on any machine
            for (int i = 0; i < admitted.size(); i++) {
                for (int j = i; j < admitted.size(); j++) {
                    long span = admitted.get(j).answeredNanos() - admitted.get(i).sentNanos();
                    long inSpan = j - i + 1;
                    assertTrue(inSpan <= burst + perNano * span, inSpan + " admitted within " + span / 1e6 + " ms");
                }
            }
            assertTrue(admitted.size() > burst, "the bucket refilled during the run: " + admitted.size());
            assertTrue(sent.size() > admitted.size(), "the run drained the bucket");
        }
    }

    @Test
    void aMillionADayPerClientTakesOneSmallKeyWhateverTheCount(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        String[] limits = {"10/1h", "1000000/1d"};
        long[] bytes = new long[limits.length];
        try (Resp resp = redis.connect()) {
            for (int i = 0; i < limits.length; i++) {
                // 200 at once on a busy machine: no call may be slow enough to send requests to the fallback
                FilterSpec filter = limiter(redis, "limits", limits[i], "name", "q" + i, "backendTimeout", "5s")
                        .param("keyPrefix", prefix);
                try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet()).start()) {
                    // 200 at once: 17 s of a million-a-day bucket drained, so its key is there to be measured
                    List<java.net.http.HttpRequest> burst = new ArrayList<>();
                    for (int k = 0; k < 200; k++) {
                        burst.add(Http.request(app.uri("/")).GET().build());
                    }
                    long admitted = Http.sendAll(burst).stream().filter(r -> r.statusCode() == 200).count();
                    assertEquals(Math.min(200, Long.parseLong(limits[i].substring(0, limits[i].indexOf('/')))), admitted);
                    List<String> keys = resp.keys(prefix + "tb:{q" + i + ":*");
                    assertEquals(1, keys.size());
                    bytes[i] = (Long) resp.call("MEMORY", "USAGE", keys.get(0));
                }
            }
        }
        String measured = java.util.Arrays.toString(limits) + " took " + java.util.Arrays.toString(bytes) + " bytes";
        assertTrue(bytes[0] <= 200 && bytes[1] <= 200, measured);
        assertTrue(Math.abs(bytes[1] - bytes[0]) <= 16, "memory depends on the count: " + measured);
    }

    @Test
    void aBillionADayIsAcceptedWithExactHeaders(RedisServer redis) throws Exception {
        try (TestApp app = app(TestApp.Kind.TOMCAT, redis, new CountingServlet(), "limits", "1000000000/1d")) {
            for (int k = 1; k <= 3; k++) {
                HttpResponse<String> r = Http.get(app.uri("/"));
                assertEquals(200, r.statusCode());
                assertEquals("\"api\";q=1000000000;w=86400", header(r, "RateLimit-Policy"));
                // a permit comes back every 86.4 us: some may have between two requests
                long left = Long.parseLong(header(r, "RateLimit").replaceAll(".*;r=(\\d+);.*", "$1"));
                assertTrue(left >= 1_000_000_000L - k && left < 1_000_000_000L, header(r, "RateLimit"));
            }
        }
    }
}
