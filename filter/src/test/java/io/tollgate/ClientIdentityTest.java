package io.tollgate;

import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whose request it is (issue 19, items 1 to 3): users an app tells apart only by its own login cookie are
 * two clients; a user the configured client names stays one client across a token refresh; and what one
 * client can keep stored does not grow with the {@code Host} names or tokens it makes up.
 */
@ExtendWith(RedisExtension.class)
class ClientIdentityTest {

    static Stream<Arguments> containersAndModes() {
        List<Arguments> out = new ArrayList<>();
        for (TestApp.Kind kind : TestApp.Kind.values()) {
            for (String mode : new String[] {"reject", "replay"}) {
                out.add(Arguments.of(kind, mode));
            }
        }
        return out.stream();
    }

    private static RawHttp.Response pay(TestApp app, String... headers) throws Exception {
        List<String> all = new ArrayList<>(List.of("Content-Type", "application/json"));
        all.addAll(List.of(headers));
        return RawHttp.send(app.port(), "POST", "/pay", SubmitServlet.utf8("{\"amount\":42}"),
                all.toArray(new String[0]));
    }

    @ParameterizedTest(name = "{0} mode={1}")
    @MethodSource("containersAndModes")
    void usersToldApartOnlyByTheirLoginCookieNeverShareAnAnswer(TestApp.Kind kind, String mode, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "mode", mode)) {
            // Alice and Bob, one address, logged in by the app's own cookie: the same POST
            RawHttp.Response alice = pay(app, "Cookie", "sso=alice.jwt; theme=dark");
            RawHttp.Response bob = pay(app, "Cookie", "sso=bob.jwt; theme=dark");
            assertEquals(201, alice.status, alice.body);
            assertEquals(201, bob.status, "Bob was answered for Alice: " + bob.body);
            assertNull(bob.header("Idempotent-Replayed"));
            assertNotEquals(alice.body, bob.body);
            // Alice's own double click, with the same cookies (in any order), is still caught
            RawHttp.Response again = pay(app, "Cookie", "theme=dark; sso=alice.jwt");
            if (mode.equals("replay")) {
                assertEquals(201, again.status);
                assertEquals("true", again.header("Idempotent-Replayed"));
                assertEquals(alice.body, again.body);
            } else {
                assertEquals(409, again.status, again.body);
            }
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void clientCookieNamesTheLoginCookieAndIgnoresTheOthers(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "mode", "replay", "client", "cookie:sso")) {
            RawHttp.Response first = pay(app, "Cookie", "sso=alice.jwt; _seen=1");
            // a tracking cookie changed in between: still Alice
            RawHttp.Response again = pay(app, "Cookie", "sso=alice.jwt; _seen=2");
            RawHttp.Response bob = pay(app, "Cookie", "sso=bob.jwt; _seen=1");
            assertEquals(201, first.status, first.body);
            assertEquals("true", again.header("Idempotent-Replayed"), again.body);
            assertEquals(first.body, again.body);
            assertEquals(201, bob.status);
            assertNull(bob.header("Idempotent-Replayed"));
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest(name = "{0} client={1}")
    @MethodSource("namedClients")
    void aKeyedRetryAfterATokenRefreshIsARepeat(TestApp.Kind kind, String client, String[] names, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "mode", "replay", "client", client)) {
            RawHttp.Response first = pay(app, concat(names, "Authorization", "Bearer T1", "Idempotency-Key", "K"));
            RawHttp.Response retry = pay(app, concat(names, "Authorization", "Bearer T2", "Idempotency-Key", "K"));
            assertEquals(201, first.status, first.body);
            assertEquals(201, retry.status, retry.body);
            assertEquals("true", retry.header("Idempotent-Replayed"), "the retry ran again: " + retry.body);
            assertEquals(first.body, retry.body);
            assertEquals(1, servlet.runs());
        }
    }

    static Stream<Arguments> namedClients() {
        List<Arguments> out = new ArrayList<>();
        for (TestApp.Kind kind : TestApp.Kind.values()) {
            out.add(Arguments.of(kind, "header:X-User", new String[] {"X-User", "alice"}));
            out.add(Arguments.of(kind, "cookie:sso", new String[] {"Cookie", "sso=alice"}));
        }
        return out.stream();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aNewHostOrTokenOnEveryRequestDoesNotWidenWhatOneClientKeepsStored(TestApp.Kind kind) throws Exception {
        StoredRecordsTest.PagesServlet servlet = new StoredRecordsTest.PagesServlet();
        try (RedisServer redis = RedisServer.startNew();
             TestApp app = kind.builder().filter(StoredRecordsTest.replay(redis, "t:")).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            assertEquals(201, big(app, "warm-up", "warm.example", "Bearer warm").status);
            long before = StoredRecordsTest.usedMemory(resp);
            List<String[]> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String[] request = {UUID.randomUUID().toString(), "h" + i + ".example", "Bearer t" + i};
                sent.add(request);
                assertEquals(201, big(app, request[0], request[1], request[2]).status);
            }
            long grown = StoredRecordsTest.usedMemory(resp) - before;
            System.out.println("ClientIdentityTest " + kind + ": 200 keyed POSTs with 60 KB answers, a new Host and"
                    + " token each, grew used_memory by " + grown + " bytes");
            // the bound (1 MB) plus one record, and what Redis keeps beside them
            assertTrue(grown < 2L << 20, "used_memory grew by " + grown);
            int replayed = 0;
            for (String[] request : sent) {
                RawHttp.Response repeat = big(app, request[0], request[1], request[2]);
                replayed += "true".equals(repeat.header("Idempotent-Replayed")) ? 1 : 0;
            }
            System.out.println("ClientIdentityTest " + kind + ": " + replayed + " of 200 repeats replayed");
            // 60 KB records: at most 17 fit in 1 MB (the warm-up's took one share)
            assertTrue(replayed <= 18, replayed + " repeats were replayed");
            assertEquals(201, servlet.runs.get());
        }
    }

    private static RawHttp.Response big(TestApp app, String key, String host, String authorization) throws Exception {
        return RawHttp.send(app.port(), "POST", "/big", SubmitServlet.utf8("{\"amount\":42}"), "Host", host,
                "Authorization", authorization, "Content-Type", "application/json", "Idempotency-Key", key);
    }
}
