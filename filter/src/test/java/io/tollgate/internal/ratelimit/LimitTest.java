package io.tollgate.internal.ratelimit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LimitTest {

    @Test
    void countSlashPeriod() {
        assertEquals(List.of(new Limit(100, Duration.ofMinutes(1))), Limit.parseAll("100/1m"));
    }

    @Test
    void periodWithoutNumberMeansOne() {
        assertEquals(List.of(new Limit(10, Duration.ofSeconds(1))), Limit.parseAll("10/s"));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource({"10/ms, PT0.001S", "10/m, PT1M", "10/h, PT1H", "10/d, PT24H", "10/S, PT1S", "10/H, PT1H"})
    void everyBareUnitMeansOneOfIt(String text, String period) {
        assertEquals(Duration.parse(period), Limit.parseAll(text).get(0).period());
    }

    @Test
    void isoPeriod() {
        assertEquals(List.of(new Limit(5, Duration.ofHours(1))), Limit.parseAll("5/PT1H"));
    }

    @Test
    void spacesAroundTheSlashAreAllowed() {
        assertEquals(List.of(new Limit(100, Duration.ofMinutes(1))), Limit.parseAll(" 100 / 1m "));
    }

    @Test
    void severalLimitsAreSortedByPeriod() {
        assertEquals(List.of(new Limit(10, Duration.ofSeconds(1)), new Limit(100, Duration.ofMinutes(1)),
                new Limit(1000, Duration.ofHours(1))), Limit.parseAll("1000/1h, 10/s,100/1m"));
    }

    @Test
    void toStringIsCanonical() {
        assertEquals("100/1m", Limit.parseAll("100/60s").get(0).toString());
    }

    @ParameterizedTest(name = "[{0}] is written [{1}]")
    @CsvSource({"5/PT1H, 5/1h", "10/s, 10/1s", "1/PT1.5S, 1/1500ms", "7/24h, 7/1d", "3/90s, 3/90s"})
    void toStringWritesThePeriodTheShortestExactWay(String text, String expected) {
        assertEquals(expected, Limit.parseAll(text).get(0).toString());
    }

    @Test
    void limitsWithTheSameMillisecondsAreEqual() {
        assertEquals(Limit.parseAll("60/1m"), Limit.parseAll("60/60000ms"));
    }

    @ParameterizedTest(name = "{0} is {1} seconds")
    @CsvSource({"1/1m, 60", "1/1500ms, 2", "1/1ms, 1", "1/1s, 1"})
    void periodSecondsRoundsUp(String text, long seconds) {
        assertEquals(seconds, Limit.parseAll(text).get(0).periodSeconds());
    }

    @Test
    void longestPeriodIsAccepted() {
        assertEquals(Duration.ofDays(366), Limit.parseAll("1/366d").get(0).period());
    }

    @Test
    void largestCountIsAccepted() {
        assertEquals(Limit.MAX_COUNT, Limit.parseAll(Limit.MAX_COUNT + "/1h").get(0).count());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "10/x          | period [x] must be like 1s, 5m, PT1H",
            "10/1.5s       | period [1.5s] must be like 1s, 5m, PT1H",
            "10/minute     | period [minute] must be like 1s, 5m, PT1H",
            "10/-1s        | period [-1s] must be like 1s, 5m, PT1H",
            "-5/s          | count must be a whole number from 1 to 100000",
            "0/s           | count must be a whole number from 1 to 100000",
            "10            | must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas",
            "ten per second| must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas",
            "10/           | must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas",
            "/s            | must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas",
            "1.5/s         | must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas",
            "1/0s          | period [0s] must be at least 1ms",
            "1/PT0.0005S   | period [PT0.0005S] must be at least 1ms",
            "1/-PT1S       | period [-PT1S] must be at least 1ms",
            "1/367d        | period [367d] must be at most 366d",
            "1/PT8785H     | period [PT8785H] must be at most 366d",
            "'10/s,,5/m'   | has an empty item; write items separated by single commas",
            "''            | has an empty item; write items separated by single commas",
    })
    void badLimitStatesTheRule(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limit.parseAll(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "10/s, 20/1s        | limits [10/1s] and [20/1s] have the same period; keep the smaller count",
            "10/1m, 5/60000ms   | limits [10/1m] and [5/1m] have the same period; keep the smaller count",
            "1/h, 2/m, 3/PT1H   | limits [1/1h] and [3/1h] have the same period; keep the smaller count",
    })
    void samePeriodTwiceIsRejected(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limit.parseAll(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void countAboveTheMaximumIsRejectedWithItsMemoryCost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Limit.parseAll("100001/1h"));
        assertEquals("count is above 100000: the Redis log of one client would hold up to 100001 entries"
                + " (about 13 MB per key); use a shorter period with a proportionally smaller count, or algorithm token-bucket", e.getMessage());
    }

    @Test
    void countFarAboveTheMaximumStatesItsTrueMemoryCost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Limit.parseAll("100000000000000000/1h"));
        assertEquals("count is above 100000: the Redis log of one client would hold up to 100000000000000000"
                + " entries (about 12800000000000 MB per key); use a shorter period with a proportionally"
                + " smaller count, or algorithm token-bucket", e.getMessage());
    }

    @Test
    void periodTooLongForMillisecondsIsAboveTheMaximum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Limit.parseAll("1/999999999999d"));
        assertEquals("period [999999999999d] must be at most 366d", e.getMessage());
    }
}
