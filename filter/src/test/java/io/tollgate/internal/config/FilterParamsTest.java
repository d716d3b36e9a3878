package io.tollgate.internal.config;

import io.tollgate.testing.StubFilterConfig;
import io.tollgate.internal.ratelimit.Limit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.tollgate.testing.StubFilterConfig.filter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilterParamsTest {

    private static final List<String> FILTER_ONLY = List.of("limits", "key", "enforce");
    private static final List<String> SHARED = List.of("redisAddress", "keyPrefix");
    private static final UnaryOperator<String> VARIABLES =
            Map.of("LIMITS", "10/s", "BAD_LIMITS", "10/x", "REDIS_PASSWORD", "s3cret")::get;

    private static FilterParams read(StubFilterConfig config) {
        return FilterParams.read(config.build(), "RateLimitFilter", FILTER_ONLY, SHARED, VARIABLES);
    }

    private static String readError(StubFilterConfig config) {
        return assertThrows(InvalidSettingException.class, () -> read(config)).getMessage();
    }

    // --- where values come from

    @Test
    void initParamIsRead() {
        assertEquals("10/s", read(filter("api").initParam("limits", "10/s")).get("limits"));
    }

    @Test
    void valueIsTrimmed() {
        assertEquals("10/s", read(filter("api").initParam("limits", "\n      10/s\n    ")).get("limits"));
    }

    @Test
    void filterNameIsKept() {
        assertEquals("api", read(filter("api")).filterName());
    }

    @Test
    void unknownInitParamIsRejectedNamingItAndTheKnownOnes() {
        assertEquals("init-param [limitz] was [10/s]: RateLimitFilter has no such setting; its settings are"
                        + " [enforce, key, keyPrefix, limits, redisAddress] (filter [api])",
                readError(filter("api").initParam("limitz", "10/s")));
    }

    @Test
    void unknownInitParamIsRejectedEvenWhenBlank() {
        assertEquals("init-param [limitz] was []: RateLimitFilter has no such setting; its settings are"
                        + " [enforce, key, keyPrefix, limits, redisAddress] (filter [api])",
                readError(filter("api").initParam("limitz", "")));
    }

    @Test
    void sharedContextParamIsUsedWhenTheFilterDoesNotSetIt() {
        assertEquals("app:", read(filter("api").contextParam("tollgate.keyPrefix", "app:")).get("keyPrefix"));
    }

    @Test
    void initParamWinsOverTheContextParam() {
        FilterParams params = read(filter("api")
                .initParam("keyPrefix", "mine:")
                .contextParam("tollgate.keyPrefix", "app:"));
        assertEquals("mine:", params.get("keyPrefix"));
    }

    @Test
    void contextParamForAFilterOnlySettingIsRejected() {
        assertEquals("context-param [tollgate.limits] was [10/s]: not a shared Tollgate setting; context-params may"
                        + " set [tollgate.keyPrefix, tollgate.redisAddress] (other settings are init-params of each filter)"
                        + " (filter [api])",
                readError(filter("api").contextParam("tollgate.limits", "10/s")));
    }

    @Test
    void contextParamForAFilterOnlySettingIsRejectedEvenWhenTheFilterSetsIt() {
        assertTrue(readError(filter("api").initParam("limits", "10/s").contextParam("tollgate.limits", "10/s"))
                .startsWith("context-param [tollgate.limits] was [10/s]: not a shared Tollgate setting"));
    }

    @Test
    void otherContextParamsAreNotTollgates() {
        FilterParams params = read(filter("api")
                .contextParam("contextConfigLocation", "/WEB-INF/app.xml")
                .contextParam("keyPrefix", "app:"));
        assertFalse(params.isSet("keyPrefix"));
    }

    @Test
    void blankInitParamCountsAsUnset() {
        FilterParams params = read(filter("api").initParam("limits", "   "));
        assertFalse(params.isSet("limits"));
        assertNull(params.get("limits"));
    }

    @Test
    void blankInitParamLetsTheContextParamThrough() {
        FilterParams params = read(filter("api")
                .initParam("keyPrefix", " ")
                .contextParam("tollgate.keyPrefix", "app:"));
        assertEquals("app:", params.get("keyPrefix"));
    }

    @Test
    void blankInitParamTakesTheDefault() {
        assertEquals(List.of(new Limit(100, java.time.Duration.ofMinutes(1))),
                read(filter("api").initParam("limits", "")).parse("limits", "100/1m", Limit::parseAll));
    }

    @Test
    void unsetParamWithoutDefaultParsesToNull() {
        assertNull(read(filter("api")).parse("limits", null, Limit::parseAll));
    }

    @Test
    void placeholderIsResolved() {
        assertEquals("10/s", read(filter("api").initParam("limits", "${LIMITS}")).get("limits"));
    }

    @Test
    void placeholderInAContextParamIsResolved() {
        assertEquals("redis://:s3cret@redis:6379", read(filter("api")
                .contextParam("tollgate.redisAddress", "redis://:${REDIS_PASSWORD}@redis:6379")).get("redisAddress"));
    }

    @Test
    void placeholderResolvingToBlankCountsAsUnset() {
        assertFalse(read(filter("api").initParam("limits", "${NOT_SET: }")).isSet("limits"));
    }

    @Test
    void systemPropertyPlaceholderIsResolvedByDefault() {
        String name = "tollgate.test.filterParams." + System.nanoTime();
        System.setProperty(name, "7/s");
        try {
            FilterParams params = FilterParams.read(filter("api").initParam("limits", "${" + name + "}").build(),
                    "RateLimitFilter", FILTER_ONLY, SHARED);
            assertEquals("7/s", params.get("limits"));
        } finally {
            System.clearProperty(name);
        }
    }

    @Test
    void unresolvablePlaceholderNamesTheParamAndTheVariable() {
        assertEquals("init-param [limits] was [${NOPE}]: no system property or environment variable [NOPE] is set"
                        + " and the placeholder has no default (write ${NOPE:default}) (filter [api])",
                readError(filter("api").initParam("limits", "${NOPE}")));
    }

    // --- parse errors

    @Test
    void badValueNamesTheParamQuotesTheValueAndStatesTheRule() {
        FilterParams params = read(filter("api").initParam("limits", "10/x"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("limits", "100/1m", Limit::parseAll));
        assertEquals("init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H (filter [api])",
                e.getMessage());
    }

    @Test
    void badValueIsQuotedTrimmed() {
        FilterParams params = read(filter("api").initParam("enforce", "\n   yes \n"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("enforce", "true", SettingFormats::bool));
        assertEquals("init-param [enforce] was [yes]: must be true or false (filter [api])", e.getMessage());
    }

    @Test
    void badValueFromAPlaceholderShowsBoth() {
        FilterParams params = read(filter("api").initParam("limits", "${BAD_LIMITS}"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("limits", null, Limit::parseAll));
        assertEquals("init-param [limits] was [10/x] (from [${BAD_LIMITS}]): period [x] must be like 1s, 5m, PT1H"
                + " (filter [api])", e.getMessage());
    }

    @Test
    void badContextParamIsNamedAsOne() {
        FilterParams params = read(filter("api").contextParam("tollgate.keyPrefix", "a{b}"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("keyPrefix", null, t -> {
                    if (!t.equals("app:")) {
                        throw new IllegalArgumentException("must be one of app:");
                    }
                    return t;
                }));
        assertEquals("context-param [tollgate.keyPrefix] was [a{b}]: must be one of app: (filter [api])",
                e.getMessage());
    }

    @Test
    void filterWithoutNameHasNoSuffix() {
        FilterParams params = read(filter(null).initParam("limits", "10/x"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("limits", null, Limit::parseAll));
        assertEquals("init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H", e.getMessage());
    }

    @Test
    void passwordIsMaskedInErrors() {
        FilterParams params = read(filter("api").initParam("redisAddress", "redis://app:s3cret@redis:6379/x"));
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> params.parse("redisAddress", null, t -> {
                    throw new IllegalArgumentException("path must be a database number like /0");
                }));
        assertEquals("init-param [redisAddress] was [redis://app:***@redis:6379/x]: path must be a database number"
                + " like /0 (filter [api])", e.getMessage());
    }

    @Test
    void passwordFromAPlaceholderIsMaskedInErrors() {
        FilterParams params = read(filter("api").initParam("redisAddress", "redis://app:${REDIS_PASSWORD}@redis/x"));
        assertEquals("init-param [redisAddress] was [redis://app:***@redis/x] (from [redis://app:***@redis/x]):"
                + " path must be a database number like /0 (filter [api])",
                params.invalid("redisAddress", "path must be a database number like /0").getMessage());
    }

    @Test
    void passwordIsMaskedWhenTheParamIsUnknown() {
        assertEquals("init-param [redisAdress] was [redis://app:***@redis]: RateLimitFilter has no such setting;"
                        + " its settings are [enforce, key, keyPrefix, limits, redisAddress] (filter [api])",
                readError(filter("api").initParam("redisAdress", "redis://app:s3cret@redis")));
    }

    @Test
    void errorAboutAnUnsetParamSaysSo() {
        assertEquals("init-param [limits] is not set: needs limits or rules (filter [api])",
                read(filter("api")).invalid("limits", "needs limits or rules").getMessage());
    }

    @Test
    void errorKeepsItsCause() {
        IllegalStateException cause = new IllegalStateException("boom");
        assertSame(cause, read(filter("api").initParam("limits", "10/s")).invalid("limits", "bad", cause).getCause());
    }
}
