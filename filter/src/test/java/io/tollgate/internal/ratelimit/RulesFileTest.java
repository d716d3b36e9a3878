package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.testing.StubRequest;
import io.tollgate.internal.http.UrlPatterns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.tollgate.testing.StubRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RulesFileTest {

    private static final KeySpec DEFAULT_KEY = KeySpec.parse("ip");

    private static final String TWO_RULES = """
            {"rules": [
              {"name": "login", "match": {"paths": ["/login"], "methods": ["post"]}, "limits": "5/1m", "key": "ip"},
              {"name": "api", "match": {"paths": ["/api/*"]}, "limits": "1000/1h, 10/s", "key": "header:X-Api-Key"},
              {"name": "all", "limits": "100/1m"}
            ]}
            """;

    private static List<Policy> parse(String text) {
        return RulesFile.parse(text, DEFAULT_KEY, Algorithm.SLIDING_LOG);
    }

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
    }

    @Test
    void validFileGivesOnePolicyPerRuleInOrder() {
        assertEquals(List.of("login: 5/1m by ip on /login for POST",
                        "api: 10/1s, 1000/1h by header:X-Api-Key on /api/*",
                        "all: 100/1m by ip"),
                parse(TWO_RULES).stream().map(Policy::toString).toList());
    }

    @Test
    void ruleNamesAreKept() {
        assertEquals(List.of("login", "api", "all"), parse(TWO_RULES).stream().map(Policy::name).toList());
    }

    @Test
    void limitsAreParsedAndSortedByPeriod() {
        assertEquals(List.of(new Limit(10, Duration.ofSeconds(1)), new Limit(1000, Duration.ofHours(1))),
                parse(TWO_RULES).get(1).limits());
    }

    @Test
    void ruleWithoutKeyUsesTheFiltersKey() {
        assertSame(DEFAULT_KEY, parse(TWO_RULES).get(2).key());
    }

    @Test
    void methodsAreUpperCased() {
        Policy login = parse(TWO_RULES).get(0);
        assertTrue(login.covers(request().method("POST").servletPath("/login").build()));
    }

    @Test
    void ruleCoversOnlyItsMethods() {
        Policy login = parse(TWO_RULES).get(0);
        assertFalse(login.covers(request().method("GET").servletPath("/login").build()));
    }

    @Test
    void ruleCoversOnlyItsPaths() {
        Policy api = parse(TWO_RULES).get(1);
        assertTrue(api.covers(request().servletPath("/api").pathInfo("/users").build()));
        assertFalse(api.covers(request().servletPath("/login").build()));
    }

    @Test
    void ruleWithoutMatchCoversEveryRequest() {
        Policy all = parse(TWO_RULES).get(2);
        assertTrue(all.covers(request().method("DELETE").servletPath("/anything").build()));
    }

    @Test
    void nullMatchAndKeyAreLikeMissingOnes() {
        assertEquals("a: 1/1s by ip", parse("""
                {"rules": [{"name": "a", "limits": "1/s", "match": null, "key": null}]}
                """).get(0).toString());
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                arguments("unknown field in a rule",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"keys\": \"ip\"}]}",
                        "rule 1 (\"a\") has an unknown field [keys]; fields are name, match, limits, key, algorithm, burst"),
                arguments("unknown field in match",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"path\": [\"/x\"]}}]}",
                        "rule 1 (\"a\"): \"match\" has an unknown field [path]; fields are paths, methods"),
                arguments("unknown top-level field",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\"}], \"rule\": []}",
                        "the file has an unknown field [rule]; fields are rules"),
                arguments("duplicate name",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\"}, {\"name\": \"a\", \"limits\": \"2/s\"}]}",
                        "rule 2 (\"a\"): another rule has the same name"),
                arguments("missing limits",
                        "{\"rules\": [{\"name\": \"ok\", \"limits\": \"1/s\"}, {\"name\": \"a\"}]}",
                        "rule 2 (\"a\") has no \"limits\" (like \"100/1m\")"),
                arguments("missing name",
                        "{\"rules\": [{\"limits\": \"1/s\"}]}",
                        "rule 1 has no \"name\""),
                arguments("name not a string",
                        "{\"rules\": [{\"name\": 5, \"limits\": \"1/s\"}]}",
                        "rule 1: \"name\" must be a string"),
                arguments("bad name",
                        "{\"rules\": [{\"name\": \"my api\", \"limits\": \"1/s\"}]}",
                        "rule 1 (\"my api\"): name must be 1 to 64 printable ASCII characters without spaces,"
                                + " quotes, backslashes or braces"),
                arguments("limits not a string",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": 5}]}",
                        "rule 1 (\"a\"): \"limits\" must be a string"),
                arguments("bad limits",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"10/x\"}]}",
                        "rule 1 (\"a\"): period [x] must be like 1s, 5m, PT1H"),
                arguments("bad key",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"key\": \"cookie\"}]}",
                        "rule 1 (\"a\"): " + KeySpec.RULE),
                arguments("bad path",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"paths\": [\"api\"]}}]}",
                        "rule 1 (\"a\"): pattern [api] " + UrlPatterns.RULE),
                arguments("paths not an array",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"paths\": \"/api\"}}]}",
                        "rule 1 (\"a\"): \"paths\" must be a non-empty array of strings"),
                arguments("paths empty",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"paths\": []}}]}",
                        "rule 1 (\"a\"): \"paths\" must be a non-empty array of strings"),
                arguments("bad method",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"methods\": [\"GE T\"]}}]}",
                        "rule 1 (\"a\"): method [GE T] is not an HTTP method name"),
                arguments("method not a string",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": {\"methods\": [1]}}]}",
                        "rule 1 (\"a\"): \"methods\" must be a non-empty array of strings"),
                arguments("match not an object",
                        "{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"match\": \"/api\"}]}",
                        "rule 1 (\"a\"): \"match\" must be an object with paths and methods"),
                arguments("rule not an object",
                        "{\"rules\": [\"a\"]}",
                        "rule 1 must be a JSON object"),
                arguments("no rules",
                        "{\"rules\": []}",
                        "must have a non-empty \"rules\" array"),
                arguments("rules not an array",
                        "{\"rules\": {\"name\": \"a\"}}",
                        "must have a non-empty \"rules\" array"),
                arguments("top level not an object",
                        "[{\"name\": \"a\", \"limits\": \"1/s\"}]",
                        "must hold a JSON object like {\"rules\": [...]}"),
                arguments("empty file",
                        "",
                        "must hold a JSON object like {\"rules\": [...]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badFileSaysWhatAndWhere(String what, String text, String message) {
        assertEquals(message, error(text));
    }

    @Test
    void keyThatIsNotAStringIsNamedOnce() {
        assertEquals("rule 1 (\"a\"): \"key\" must be a string",
                error("{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\", \"key\": [\"ip\"]}]}"));
    }

    @Test
    void badJsonGivesTheParsersMessageAndLine() {
        String message = error("""
                {"rules": [
                  {"name": "a", "limits": "1/s",}
                ]}
                """);
        assertTrue(message.startsWith("is not valid JSON: Unexpected character ('}' (code 125))"), message);
        assertTrue(message.endsWith(" at line 2"), message);
    }

    @Test
    void textAfterTheJsonObjectIsBadJson() {
        String message = error("{\"rules\": [{\"name\": \"a\", \"limits\": \"1/s\"}]}}");
        assertTrue(message.startsWith("is not valid JSON: "), message);
    }
}
