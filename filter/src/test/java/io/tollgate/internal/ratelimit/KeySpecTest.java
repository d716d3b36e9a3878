package io.tollgate.internal.ratelimit;

import io.tollgate.testing.StubRequest;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.tollgate.testing.StubRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeySpecTest {

    private static final String IP = "198.51.100.7";
    private static final String RULE = "must be ip, user, session, header:NAME, param:NAME or global,"
            + " optionally joined with method and path by + (ip+method+path)";

    private static String resolve(String spec, StubRequest request) {
        return KeySpec.parse(spec).resolve(request.build(), IP);
    }

    private static String ipOnly() {
        return resolve("ip", request());
    }

    // --- parse

    @ParameterizedTest(name = "[{0}] is [{1}]")
    @CsvSource({
            "ip,                   ip",
            "user,                 user",
            "session,              session",
            "global,               global",
            "header:X-Api-Key,     header:X-Api-Key",
            "param:apiKey,         param:apiKey",
            "ip+method+path,       ip+method+path",
            "' ip + path ',        ip+path",
            "global+method,        global+method",
            "user+header:X-Tenant, user+header:X-Tenant",
            "header:A+header:B,    header:A+header:B",
            "header: X-Api-Key ,   header:X-Api-Key",
    })
    void parseWritesTheSpecCanonically(String text, String expected) {
        assertEquals(expected, KeySpec.parse(text).toString());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "ip+ip                   | names [ip] twice",
            "ip+method+method        | names [method] twice",
            "path+ip+path            | names [path] twice",
            "header:X-A+header:x-a   | names [header:x-a] twice",
            "param:k+param:k         | names [param:k] twice",
    })
    void samePartTwiceIsRejected(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySpec.parse(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"global+ip", "ip+global", "global+user", "session+global", "global+header:X-A",
            "param:k+global"})
    void globalCannotBeJoinedWithAClient(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySpec.parse(text));
        assertEquals("global is one budget for every client; it cannot be joined with ip, user, session,"
                + " header or param", e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "header:X Api        | header name [X Api] is not a valid HTTP header name",
            "header:X-Api:Key    | header name [X-Api:Key] is not a valid HTTP header name",
            "header:(x)          | header name [(x)] is not a valid HTTP header name",
            "header:Ä            | header name [Ä] is not a valid HTTP header name",
    })
    void badHeaderNameIsRejected(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySpec.parse(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "cookie", "ip+cookie", "ip+", "+ip", "ip++path", "header:", "param: ", "cookie:x",
            ":x", "ip:x", "address", "IP", "Ip+path", "Header:X-Api-Key", "GLOBAL"})
    void unknownPartStatesTheRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySpec.parse(text));
        assertEquals(RULE, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"path", "method", "method+path"})
    void methodAndPathAloneDoNotSayWhoseBudget(String text) {
        // alone they would be one budget for every client: global in disguise
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySpec.parse(text));
        assertEquals("method and path must be joined with whose budget it is: ip, user, session, header:NAME,"
                + " param:NAME, or global for one budget for everyone (global+path)", e.getMessage());
    }

    // --- resolve

    @Test
    void ipResolvesToTheClientIpAsKindLengthValue() {
        assertEquals("0:12:198.51.100.7;", ipOnly());
    }

    @Test
    void differentClientIpsAreDifferentBudgets() {
        KeySpec ip = KeySpec.parse("ip");
        HttpServletRequest request = request().build();
        assertNotEquals(ip.resolve(request, "198.51.100.7"), ip.resolve(request, "198.51.100.8"));
    }

    @Test
    void requestWithoutUserSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("user", request()));
    }

    @Test
    void requestWithoutSessionSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("session", request()));
    }

    @Test
    void requestWithoutTheHeaderSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("header:X-Api-Key", request()));
    }

    @Test
    void requestWithAnEmptyHeaderSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("header:X-Api-Key", request().header("X-Api-Key", "")));
    }

    @Test
    void requestWithoutTheParamSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("param:key", request().query("other=1")));
    }

    @Test
    void requestWithoutQueryStringSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("param:key", request()));
    }

    @Test
    void paramWithoutValueSpendsTheClientIpBudget() {
        assertEquals(ipOnly(), resolve("param:key", request().query("key&x=1")));
    }

    @Test
    void sameUserFromTwoAddressesIsOneBudget() {
        KeySpec user = KeySpec.parse("user");
        HttpServletRequest request = request().user("alice").build();
        assertEquals(user.resolve(request, "198.51.100.7"), user.resolve(request, "203.0.113.9"));
    }

    @Test
    void userIsNotTheClientIpBudget() {
        assertNotEquals(ipOnly(), resolve("user", request().user("alice")));
    }

    @Test
    void userNamedLikeTheClientIpIsNotTheClientIpBudget() {
        assertNotEquals(ipOnly(), resolve("user", request().user(IP)));
    }

    @Test
    void differentUsersAreDifferentBudgets() {
        assertNotEquals(resolve("user", request().user("alice")), resolve("user", request().user("bob")));
    }

    @Test
    void differentSessionsAreDifferentBudgets() {
        assertNotEquals(resolve("session", request().session("A1")), resolve("session", request().session("B2")));
    }

    @Test
    void differentHeaderValuesAreDifferentBudgets() {
        assertNotEquals(resolve("header:X-Api-Key", request().header("X-Api-Key", "k1")),
                resolve("header:X-Api-Key", request().header("X-Api-Key", "k2")));
    }

    @Test
    void sameHeaderValueFromTwoAddressesIsOneBudget() {
        KeySpec key = KeySpec.parse("header:X-Api-Key");
        HttpServletRequest request = request().header("X-Api-Key", "k1").build();
        assertEquals(key.resolve(request, "198.51.100.7"), key.resolve(request, "203.0.113.9"));
    }

    @Test
    void partsCannotRunIntoEachOther() {
        assertNotEquals(resolve("header:A+header:B", request().header("A", "ab").header("B", "c")),
                resolve("header:A+header:B", request().header("A", "a").header("B", "bc")));
    }

    @Test
    void differentParamValuesAreDifferentBudgets() {
        assertNotEquals(resolve("param:key", request().query("key=k1")),
                resolve("param:key", request().query("key=k2")));
    }

    @Test
    void paramIsPercentDecoded() {
        assertEquals(resolve("param:key", request().query("key=a/b c")),
                resolve("param:key", request().query("key=a%2Fb%20c")));
    }

    @Test
    void paramNameIsPercentDecoded() {
        assertEquals(resolve("param:api key", request().query("api%20key=k1")),
                resolve("param:api key", request().query("api key=k1")));
    }

    @Test
    void plusInAParamIsASpace() {
        assertEquals(resolve("param:key", request().query("key=a b")),
                resolve("param:key", request().query("key=a+b")));
    }

    @Test
    void firstValueOfAParamCounts() {
        assertEquals(resolve("param:key", request().query("key=k1")),
                resolve("param:key", request().query("x=1&key=k1&key=k2")));
    }

    @Test
    void aQueryWithAMalformedEscapeSpendsTheAddressBudget() {
        // the container drops such a pair and hands the app the next value: no budget of its own
        assertEquals(ipOnly(), resolve("param:key", request().query("key=%zz")));
        assertEquals(ipOnly(), resolve("param:key", request().query("key=%zz1&key=REAL")));
        assertEquals(ipOnly(), resolve("param:key", request().query("key=REAL&x=%4")));
        assertEquals(ipOnly(), resolve("param:key", request().query("key=%C3%28"))); // not UTF-8
        assertEquals(resolve("param:key", request().query("key=caf%C3%A9")),
                resolve("param:key", request().query("key=caf\u00e9")));
    }

    @Test
    void paramIsReadOnlyFromTheQueryString() {
        // The stub throws on getParameter and the body: a form field never reaches the key.
        assertEquals(ipOnly(), resolve("param:key", request().method("POST")));
    }

    @Test
    void globalIsOneBudgetForEveryClient() {
        KeySpec global = KeySpec.parse("global");
        HttpServletRequest request = request().build();
        assertEquals(global.resolve(request, "198.51.100.7"), global.resolve(request, "203.0.113.9"));
    }

    @Test
    void methodSeparatesBudgets() {
        assertNotEquals(resolve("ip+method", request().method("GET")),
                resolve("ip+method", request().method("POST")));
    }

    @Test
    void pathSeparatesBudgets() {
        assertNotEquals(resolve("ip+path", request().servletPath("/api").pathInfo("/a")),
                resolve("ip+path", request().servletPath("/api").pathInfo("/b")));
    }

    @Test
    void pathIsServletPathPlusPathInfo() {
        assertEquals(resolve("ip+path", request().servletPath("/api/a")),
                resolve("ip+path", request().servletPath("/api").pathInfo("/a")));
    }

    @Test
    void sameClientOnTwoPathsOfAPathlessKeyIsOneBudget() {
        assertEquals(resolve("ip", request().servletPath("/a")), resolve("ip", request().servletPath("/b")));
    }
}
