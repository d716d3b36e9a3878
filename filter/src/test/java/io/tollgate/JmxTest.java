package io.tollgate;

import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Operators see what each filter did through JMX; the beans go away with the webapp. */
@ExtendWith(RedisExtension.class)
class JmxTest {

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @Test
    void countersAndStateOfBothFilters(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        // a timeout no busy machine reaches: this test counts answers, and a late one would count as a failure
        TestApp.Builder b = TestApp.Kind.JETTY.builder()
                .filter(FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                        .param("keyPrefix", prefix).param("limits", "2/1m").param("backendTimeout", "10s"))
                .filter(FilterSpec.of("orders", DoubleSubmitFilter.class).param("redisAddress", redis.url())
                        .param("keyPrefix", prefix).param("mode", "replay").param("backendTimeout", "10s"))
                .servlet("/*", new SubmitServlet());
        ObjectName limiter = new ObjectName("io.tollgate:type=RateLimitFilter,webapp=\"/\",name=\"api\"");
        ObjectName guard = new ObjectName("io.tollgate:type=DoubleSubmitFilter,webapp=\"/\",name=\"orders\"");
        try (TestApp app = b.start()) {
            HttpRequest post = Http.request(app.uri("/pay")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertEquals(201, Http.send(post).statusCode());
            assertEquals(201, Http.send(post).statusCode()); // replayed
            assertEquals(429, Http.send(post).statusCode()); // over the 2/1m limit

            assertEquals(2L, JMX.getAttribute(limiter, "Admitted"));
            assertEquals(1L, JMX.getAttribute(limiter, "Rejected"));
            assertEquals("UP", JMX.getAttribute(limiter, "BackendState"));
            assertEquals(0L, JMX.getAttribute(limiter, "BackendFailures"));
            TabularData byPolicy = (TabularData) JMX.getAttribute(limiter, "RejectedByPolicy");
            CompositeData row = byPolicy.get(new Object[] {"api"});
            assertEquals(1L, row.get("value"));
            assertTrue(((String) JMX.getAttribute(limiter, "Settings")).contains("policies=[api: 2/1m by ip]"));

            assertEquals(1L, JMX.getAttribute(guard, "FirstSubmits"));
            assertEquals(1L, JMX.getAttribute(guard, "Replayed"));
            assertEquals(0L, JMX.getAttribute(guard, "Duplicates"));
            assertEquals("UP", JMX.getAttribute(guard, "BackendState"));
        }
        assertFalse(JMX.isRegistered(limiter));
        assertFalse(JMX.isRegistered(guard));
    }
}
