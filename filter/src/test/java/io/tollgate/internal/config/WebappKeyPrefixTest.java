package io.tollgate.internal.config;

import io.tollgate.testing.StubFilterConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Unless keyPrefix is set, keys carry the webapp's context path: budgets belong to one webapp. */
class WebappKeyPrefixTest {

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', value = {
            "''          | tollgate:/:",
            "/shop       | tollgate:/shop:",
            "/shop/v2    | tollgate:/shop/v2:",
            "/a{b}       | tollgate:/a%7Bb%7D:",
            "/50%        | tollgate:/50%25:",
            "/caf\u00e9  | tollgate:/caf%C3%A9:",
            "'/a b'      | tollgate:/a%20b:",
    })
    void theDefaultPrefixCarriesTheContextPath(String contextPath, String prefix) {
        assertEquals(prefix, SharedSettings.webappPrefix(contextPath));
    }

    @Test
    void withoutAWebappTheDefaultPrefixIsTollgateAlone() {
        assertEquals("tollgate:", SharedSettings.webappPrefix(null));
    }

    @Test
    void aFilterWithoutKeyPrefixTakesItsWebappsPrefix() {
        assertEquals("tollgate:/:", parse(StubFilterConfig.filter("api")).keyPrefix());
    }

    @Test
    void aKeyPrefixSetIsUsedExactlyAsWritten() {
        assertEquals("tollgate:", parse(StubFilterConfig.filter("api").initParam("keyPrefix", "tollgate:")).keyPrefix());
        assertEquals("shared:", parse(StubFilterConfig.filter("api").contextParam("tollgate.keyPrefix", "shared:"))
                .keyPrefix());
    }

    private static SharedSettings parse(StubFilterConfig config) {
        return SharedSettings.parse(FilterParams.read(config.build(), "RateLimitFilter", List.of(),
                SharedSettings.NAMES));
    }
}
