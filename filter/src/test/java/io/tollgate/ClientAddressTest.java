package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which client a request is from, behind trusted proxies: RFC 7239 Forwarded, and IPv6 by /64. */
@ExtendWith(RedisExtension.class)
class ClientAddressTest {

    static int get(TestApp app, String... headers) throws Exception {
        return Http.get(app.uri("/"), headers).statusCode();
    }

    static int post(TestApp app, String body, String... headers) throws Exception {
        return Http.send(Http.request(app.uri("/pay"), headers).POST(HttpRequest.BodyPublishers.ofString(body))
                .build()).statusCode();
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void forwardedNamesTheClientForTheRateLimit(TestApp.Kind kind, RedisServer redis) throws Exception {
        try (TestApp app = RateLimitApps.app(kind, redis, new CountingServlet(), "limits", "2/1m",
                "trustedProxies", "127.0.0.1, ::1, 10.0.0.0/8", "clientIpHeader", "Forwarded")) {
            // the client wrote the left element itself; the proxy appended the quoted, bracketed address with a port
            for (int i = 0; i < 2; i++) {
                assertEquals(200, get(app, "Forwarded", "for=198.51.100." + i + ";proto=https, For=\"[2001:db8:cafe::17]:4711\""));
            }
            assertEquals(429, get(app, "Forwarded", "for=198.51.100.99, for=\"[2001:db8:cafe::17]:4711\""));
            // two hops: an inner trusted proxy (10.0.0.2) forwarded for the client, in a second header line
            assertEquals(200, get(app, "Forwarded", "for=203.0.113.5", "Forwarded", "for=\"10.0.0.2:8080\";by=_lb"));
            assertEquals(200, get(app, "Forwarded", "for=203.0.113.5", "Forwarded", "for=10.0.0.3"));
            assertEquals(429, get(app, "Forwarded", "for=203.0.113.5"));
            // an unknown or obfuscated client cannot be told apart: it spends the budget of the proxy that said so
            assertEquals(200, get(app, "Forwarded", "for=unknown"));
            assertEquals(200, get(app, "Forwarded", "for=198.51.100.7, for=\"_hidden\""));
            assertEquals(429, get(app));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void forwardedNamesTheClientForTheDoubleSubmitGuard(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "client", "ip",
                "trustedProxies", "127.0.0.1, ::1", "clientIpHeader", "Forwarded")) {
            String body = "{\"amount\":42}";
            assertEquals(201, post(app, body, "Forwarded", "for=198.51.100.1, for=\"[2001:db8:cafe::17]:4711\""));
            // the same client (what it wrote itself differs) repeats: a duplicate
            assertEquals(409, post(app, body, "Forwarded", "for=198.51.100.2, for=\"[2001:db8:cafe::17]:4711\""));
            // another client behind the same proxy sends the same order: its own
            assertEquals(201, post(app, body, "Forwarded", "for=203.0.113.9"));
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void ipv6ClientsOfOneSlash64ShareOneBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "1/1m",
                "trustedProxies", "127.0.0.1")) {
            int admitted = 0;
            for (int i = 1; i <= 100; i++) {
                admitted += get(app, "X-Forwarded-For", "2001:db8:1:2::" + Integer.toHexString(i)) == 200 ? 1 : 0;
            }
            assertEquals(1, admitted);
            // the next /64 is another subscriber
            assertEquals(200, get(app, "X-Forwarded-For", "2001:db8:1:3::1"));
        }
        try (TestApp app = RateLimitApps.app(kind, redis, new CountingServlet(), "limits", "1/1m",
                "trustedProxies", "127.0.0.1", "ipv6Prefix", "128")) {
            assertEquals(200, get(app, "X-Forwarded-For", "2001:db8:1:2::1"));
            assertEquals(200, get(app, "X-Forwarded-For", "2001:db8:1:2::2"));
            assertEquals(429, get(app, "X-Forwarded-For", "2001:db8:1:2::2"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void ipv6ClientIdentityIsItsSlash64(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "client", "ip",
                "trustedProxies", "127.0.0.1", "ipv6Prefix", "56")) {
            String body = "{\"amount\":42}";
            assertEquals(201, post(app, body, "X-Forwarded-For", "2001:db8:1:2::1"));
            assertEquals(409, post(app, body, "X-Forwarded-For", "2001:db8:1:7f::2"));
            assertEquals(201, post(app, body, "X-Forwarded-For", "2001:db8:1:100::1"));
            assertEquals(2, servlet.runs());
        }
    }

}
