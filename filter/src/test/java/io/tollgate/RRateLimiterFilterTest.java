package io.tollgate;

import io.tollgate.internal.redis.RedissonVersions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract with {@code algorithm=rratelimiter}: Redisson's RRateLimiter objects (three keys per limit),
 * whose remaining count comes from a call issued beside the acquire (one too many at most, sequentially) and
 * whose waits are upper bounds (one period).
 */
class RRateLimiterFilterTest extends RateLimitFilterContract {

    @Override
    String algorithm() {
        return "rratelimiter";
    }

    @Override
    long refillSeconds(long count, long periodSeconds) {
        return periodSeconds;
    }

    @Override
    long remainingSlack() {
        return 1;
    }

    @Override
    int keysPerClient() {
        return 3;
    }

    @Override
    String keySuffixRegex() {
        return ":1m(:value|:permits)?";
    }

    @Override
    boolean keysExpire() {
        return RedissonVersions.rateLimitersExpire();
    }

    @Override
    boolean changedLimitKeepsWhatWasSpent() {
        return RedissonVersions.rateChangeKeepsState();
    }

    @Override
    long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception {
        Object value = resp.call("GET", resp.keys(prefix + "rrl:{" + policy + ":*:value").get(0));
        return count - Long.parseLong(value.toString());
    }

    @Test
    void applicationCodeOpensTheFiltersLimiterByNameAndSharesItsBudget(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = limiter(redis, "limits", "5/1m", "key", "global").param("keyPrefix", prefix);
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient app2 = Redisson.create(config);
        try (TestApp app = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            assertEquals(200, Http.get(app.uri("/")).statusCode());
            assertEquals(200, Http.get(app.uri("/")).statusCode());
            // the name scheme of docs/rate-limiting.md: <keyPrefix>rrl:{<policy>:<hash>}:<period>
            List<String> names = resp.keys(prefix + "rrl:{api:*}:1m");
            assertEquals(1, names.size(), names.toString());
            RRateLimiter shared = app2.getRateLimiter(names.get(0));
            assertEquals(5L, shared.getConfig().getRate());
            assertEquals(60_000L, shared.getConfig().getRateInterval());
            assertEquals(3, shared.availablePermits());
            // the application's own code spends the rest of the budget ...
            for (int i = 0; i < 3; i++) {
                assertTrue(shared.tryAcquire());
            }
            // ... and the filter sees it spent
            assertEquals(429, Http.get(app.uri("/")).statusCode());
            Object ttl = resp.call("PTTL", names.get(0));
            assertTrue(keysExpire() ? (Long) ttl > 0 && (Long) ttl <= 60_000 : (Long) ttl == -1, "PTTL " + ttl);
        } finally {
            app2.shutdown();
        }
    }
    @Test
    void rejectedRequestsLeaveNoPermitEntriesInTheLimitersThatHadRoom(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = limiter(redis, "limits", "1000/1h, 2/1m").param("keyPrefix", prefix);
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient app2 = Redisson.create(config);
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            int admitted = 0;
            for (int i = 0; i < 300; i++) {
                admitted += Http.get(app.uri("/")).statusCode() == 200 ? 1 : 0;
            }
            assertEquals(2, admitted);
            List<String> hour = resp.keys(prefix + "rrl:{api:*}:1h");
            assertEquals(1, hour.size(), hour.toString());
            List<String> permits = resp.keys(prefix + "rrl:{api:*}:1h:permits");
            long entries = permits.isEmpty() ? 0 : (Long) resp.call("ZCARD", permits.get(0));
            System.out.println("RRateLimiterFilterTest: 300 requests (2 admitted) left " + entries
                    + " entries in the 1h limiter's permits set");
            assertTrue(entries <= 20, entries + " entries in " + permits);
            assertEquals(998, app2.getRateLimiter(hour.get(0)).availablePermits());
            assertEquals(2, servlet.hits());
        } finally {
            app2.shutdown();
        }
    }
}
