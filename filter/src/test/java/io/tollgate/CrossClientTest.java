package io.tollgate;

import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Never one user's answer to another: two clients that differ only in {@code Authorization} (tokens the
 * container does not know, one NAT), or only in {@code Host} (two tenants of one app), never get each
 * other's stored answer and never block each other's first request, in every client mode and both modes.
 * (A client that the configured source names, by a user, session, header or cookie, is that client whatever
 * its token: ClientIdentityTest.)
 */
@ExtendWith(RedisExtension.class)
class CrossClientTest {

    static Stream<Arguments> everyClientAndMode() {
        List<Arguments> out = new ArrayList<>();
        for (TestApp.Kind kind : TestApp.Kind.values()) {
            // a client setting the requests do not carry (no principal, session, X-User or sso cookie): the address
            for (String client : new String[] {"auto", "user", "session", "ip", "header:X-User", "cookie:sso"}) {
                for (String mode : new String[] {"reject", "replay"}) {
                    out.add(Arguments.of(kind, client, mode));
                }
            }
        }
        return out.stream();
    }

    private static RawHttp.Response pay(TestApp app, String host, String authorization, String key)
            throws Exception {
        List<String> headers = new ArrayList<>(List.of("Host", host, "X-Tenant", "acme",
                "Content-Type", "application/json"));
        if (authorization != null) {
            headers.addAll(List.of("Authorization", authorization));
        }
        if (key != null) {
            headers.addAll(List.of("Idempotency-Key", key));
        }
        return RawHttp.send(app.port(), "POST", "/pay", SubmitServlet.utf8("{\"amount\":42}"),
                headers.toArray(new String[0]));
    }

    /** Both run; each one's repeat gets its own answer (replay) or 409 (reject). */
    private static void neverShared(String mode, RawHttp.Response a, RawHttp.Response b, RawHttp.Response aAgain,
            RawHttp.Response bAgain) {
        assertEquals(201, a.status, a.body);
        assertEquals(201, b.status, "the second client's first request was answered for the first: " + b.body);
        assertNull(b.header("Idempotent-Replayed"));
        assertNotEquals(a.body, b.body);
        if (mode.equals("replay")) {
            assertEquals(a.body, aAgain.body);
            assertEquals(b.body, bAgain.body);
        } else {
            assertEquals(409, aAgain.status);
            assertEquals(409, bAgain.status);
        }
    }

    @ParameterizedTest(name = "{0} client={1} mode={2}")
    @MethodSource("everyClientAndMode")
    void clientsThatDifferOnlyInAuthorizationOrHostNeverShareARecord(TestApp.Kind kind, String client, String mode,
            RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "client", client, "mode", mode)) {
            // Alice and Bob: the same POST, bearer tokens the container does not know, one address
            neverShared(mode, pay(app, "shop.example", "Bearer alice", null), pay(app, "shop.example", "Bearer bob", null),
                    pay(app, "shop.example", "Bearer alice", null), pay(app, "shop.example", "Bearer bob", null));
            // Carol and Dave: the same Idempotency-Key
            neverShared(mode, pay(app, "shop.example", "Bearer carol", "k-1"),
                    pay(app, "shop.example", "Bearer dave", "k-1"),
                    pay(app, "shop.example", "Bearer carol", "k-1"), pay(app, "shop.example", "Bearer dave", "k-1"));
            // two tenants: the same request to two host names, with and without a key
            neverShared(mode, pay(app, "a.example", null, null), pay(app, "b.example", null, null),
                    pay(app, "a.example", null, null), pay(app, "b.example", null, null));
            neverShared(mode, pay(app, "a.example", null, "k-2"), pay(app, "b.example", null, "k-2"),
                    pay(app, "a.example", null, "k-2"), pay(app, "b.example", null, "k-2"));
            assertEquals(8, servlet.runs());
        }
    }
}
