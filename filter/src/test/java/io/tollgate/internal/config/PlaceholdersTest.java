package io.tollgate.internal.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlaceholdersTest {

    private static final UnaryOperator<String> VARIABLES =
            Map.of("HOST", "redis.internal", "PORT", "6379", "NESTED", "${HOST}", "EMPTY", "")::get;

    private static String resolve(String value) {
        return Placeholders.resolve(value, VARIABLES);
    }

    @Test
    void valueWithoutPlaceholderIsUnchanged() {
        assertEquals("redis://127.0.0.1:6379", resolve("redis://127.0.0.1:6379"));
    }

    @Test
    void placeholderIsReplacedByItsValue() {
        assertEquals("redis.internal", resolve("${HOST}"));
    }

    @Test
    void placeholderInsideTextIsReplaced() {
        assertEquals("redis://redis.internal/0", resolve("redis://${HOST}/0"));
    }

    @Test
    void severalPlaceholdersInOneValue() {
        assertEquals("redis://redis.internal:6379", resolve("redis://${HOST}:${PORT}"));
    }

    @Test
    void defaultIsUsedWhenTheNameIsNotSet() {
        assertEquals("10/s", resolve("${LIMITS:10/s}"));
    }

    @Test
    void valueWinsOverTheDefault() {
        assertEquals("6379", resolve("${PORT:6380}"));
    }

    @Test
    void defaultMayContainColons() {
        assertEquals("redis://localhost:6379", resolve("${ADDRESS:redis://localhost:6379}"));
    }

    @Test
    void defaultMayBeEmpty() {
        assertEquals("a--b", resolve("a-${MISSING:}-b"));
    }

    @Test
    void emptyValueIsAValue() {
        assertEquals("[]", resolve("[${EMPTY:fallback}]"));
    }

    @Test
    void nameIsTrimmed() {
        assertEquals("6379", resolve("${ PORT }"));
    }

    @Test
    void resolvedValueIsNotResolvedAgain() {
        assertEquals("${HOST}", resolve("${NESTED}"));
    }

    @Test
    void dollarWithoutBraceIsText() {
        assertEquals("$HOST and $", resolve("$HOST and $"));
    }

    @Test
    void missingPlaceholderWithoutDefaultIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> resolve("redis://${HOST}:${REDIS_PORT}"));
        assertEquals("no system property or environment variable [REDIS_PORT] is set and the placeholder has no"
                + " default (write ${REDIS_PORT:default})", e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "${HOST                | placeholder at position 0 has no closing }",
            "redis://${HOST:6379   | placeholder at position 8 has no closing }",
            "${HOST}${PORT         | placeholder at position 7 has no closing }",
            "${}                   | placeholder ${} has no name",
            "${:6379}              | placeholder ${:6379} has no name",
            "${ }                  | placeholder ${ } has no name",
    })
    void malformedPlaceholderIsRejected(String value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(value));
        assertEquals(message, e.getMessage());
    }

    @Test
    void systemLookupReadsSystemProperties() {
        String name = "tollgate.test.placeholders." + System.nanoTime();
        System.setProperty(name, "from-property");
        try {
            assertEquals("from-property", Placeholders.resolve("${" + name + "}", Placeholders.SYSTEM));
        } finally {
            System.clearProperty(name);
        }
    }

    @Test
    void systemLookupFallsBackToTheEnvironment() {
        String path = System.getenv("PATH");
        assertEquals(path, Placeholders.resolve("${PATH}", Placeholders.SYSTEM));
    }
}
