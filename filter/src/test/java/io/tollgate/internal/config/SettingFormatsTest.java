package io.tollgate.internal.config;

import io.tollgate.BackendFailurePolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingFormatsTest {

    // --- durations

    @ParameterizedTest(name = "[{0}] is {1}")
    @CsvSource(delimiter = '|', value = {
            "500ms | PT0.5S",
            "10s   | PT10S",
            "1m    | PT1M",
            "2h    | PT2H",
            "1d    | PT24H",
            "PT10S | PT10S",
            "pt10s | PT10S",
            "10S   | PT10S",
    })
    void durationReadsEveryDocumentedUnit(String text, String expected) {
        assertEquals(Duration.parse(expected), SettingFormats.duration(text));
    }

    @Test
    void durationMayHaveSpaceBetweenNumberAndUnit() {
        assertEquals(Duration.ofSeconds(10), SettingFormats.duration("10 s"));
    }

    @Test
    void durationIgnoresSurroundingWhitespace() {
        assertEquals(Duration.ofMinutes(1), SettingFormats.duration("\n  1m \t"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"0s", "0ms", "PT0S", "-PT1S"})
    void durationMustBePositive(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.duration(text));
        assertEquals("must be longer than zero", e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "10", "s", "-5s", "1.5s", "10x", "ten seconds", "P", "PTxS"})
    void durationOfAnotherShapeStatesTheRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.duration(text));
        assertEquals("must be like 500ms, 10s, 1m, 2h, 1d or PT10S", e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"9223372036854775807d", "99999999999999999999s", "367d", "PT2562047788015215H"})
    void durationBeyondTheLongestSettingIsTooLong(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.duration(text));
        assertEquals("must be at most 366d", e.getMessage());
    }

    @ParameterizedTest(name = "{0} is written [{1}]")
    @CsvSource({
            "PT1M,      1m",
            "PT90S,     90s",
            "PT1.5S,    1500ms",
            "PT2H,      2h",
            "PT48H,     2d",
            "PT0.001S,  1ms",
    })
    void formatWritesTheShortestExactForm(String duration, String expected) {
        assertEquals(expected, SettingFormats.format(Duration.parse(duration)));
    }

    // --- sizes

    @ParameterizedTest(name = "[{0}] is {1} bytes")
    @CsvSource({
            "512B,   512",
            "64KB,   65536",
            "1MB,    1048576",
            "2GB,    2147483648",
            "100,    100",
            "1kb,    1024",
            "1 MB,   1048576",
            "' 8KB ', 8192",
    })
    void sizeIsBinaryWithOptionalUnit(String text, long expected) {
        assertEquals(expected, SettingFormats.size(text));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "KB", "1.5MB", "-1", "1TB", "one MB", "1 K"})
    void sizeOfAnotherShapeStatesTheRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.size(text));
        assertEquals("must be a size like 512B, 64KB or 1MB", e.getMessage());
    }

    @Test
    void sizeThatOverflowsWithItsUnitIsTooLarge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.size("9999999999GB"));
        assertEquals("is too large", e.getMessage());
    }

    @Test
    void sizeWithTooManyDigitsIsTooLarge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingFormats.size("99999999999999999999"));
        assertEquals("is too large", e.getMessage());
    }

    // --- booleans

    @Test
    void trueIsTrue() {
        assertTrue(SettingFormats.bool("true"));
    }

    @Test
    void falseIsFalse() {
        assertFalse(SettingFormats.bool("false"));
    }

    @Test
    void booleanIgnoresSurroundingWhitespace() {
        assertTrue(SettingFormats.bool(" true\n"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"yes", "no", "1", "0", "TRUE", "True", "TRUE ", "False", "on", "", "ture"})
    void booleanIsOnlyLowerCaseTrueOrFalse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.bool(text));
        assertEquals("must be true or false", e.getMessage());
    }

    // --- whole numbers, choices, lists

    @ParameterizedTest(name = "[{0}]")
    @CsvSource({"400, 400", "599, 599", "' 429 ', 429"})
    void integerWithinBoundsIsRead(String text, int expected) {
        assertEquals(expected, SettingFormats.integer(text, 400, 599));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"399", "600", "-1", "4.5e2", "", "four hundred", "99999999999"})
    void integerOutsideBoundsOrNotWholeStatesTheBounds(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingFormats.integer(text, 400, 599));
        assertEquals("must be a whole number from 400 to 599", e.getMessage());
    }

    @Test
    void keywordReturnsTheConstantWrittenInLowerCase() {
        assertEquals(BackendFailurePolicy.DENY, SettingFormats.keyword(" deny ", BackendFailurePolicy.class));
    }

    @Test
    void keywordWritesUnderscoresAsHyphens() {
        assertEquals("full-standalone", SettingFormats.keyword(java.time.format.TextStyle.FULL_STANDALONE));
        assertEquals(java.time.format.TextStyle.FULL_STANDALONE,
                SettingFormats.keyword("full-standalone", java.time.format.TextStyle.class));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"Allow", "DENY", "maybe", ""})
    void keywordIsCaseSensitiveAndListsTheChoices(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingFormats.keyword(text, BackendFailurePolicy.class));
        assertEquals("must be one of allow, deny, local", e.getMessage());
    }

    @Test
    void listTrimsItems() {
        assertEquals(List.of("a", "b", "c"), SettingFormats.list(" a,b , c "));
    }

    @Test
    void listOfOneItem() {
        assertEquals(List.of("a"), SettingFormats.list("a"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", " ", "a,,b", ",a", "a, ,b"})
    void listRejectsEmptyItems(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.list(text));
        assertEquals("has an empty item; write items separated by single commas", e.getMessage());
    }

    @Test
    void listRejectsATrailingComma() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SettingFormats.list("a,"));
        assertEquals("has an empty item; write items separated by single commas", e.getMessage());
    }
}
