package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.StubFilterConfig;
import io.tollgate.testing.TestApp;
import jakarta.servlet.ServletException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A wrong init-param stops the webapp from deploying, with a message naming the param, quoting the value
 * and stating the rule. Redis is never contacted (none runs at the address used here). The table runs in
 * process ({@code init} with the strings web.xml carries); that both containers refuse to deploy with the
 * same message is shown once per container.
 */
class RateLimitSettingsErrorsTest {

    private static final String NOWHERE = "redis://127.0.0.1:1";

    static Stream<Arguments> badParams() {
        return Stream.of(
                arguments("limitz", "10/s", "init-param [limitz] was [10/s]: RateLimitFilter has no such setting;"
                        + " its settings are [algorithm, backendTimeout, burst, clientIpHeader, enforce, exclude, headers,"
                        + " ipv6Prefix, key, keyPrefix, limits, maxWait, methods, name, onBackendFailure, redisAddress, redissonConfig,"
                        + " redissonJndiName,"
                        + " rejectWith, rules, statusCode, trustedProxies] (filter [api])"),
                arguments("algorithm", "gcra", "init-param [algorithm] was [gcra]: must be one of sliding-log, token-bucket, rratelimiter (filter [api])"),
                arguments("burst", "20", "init-param [burst] was [20]: applies to algorithm token-bucket only (algorithm is sliding-log) (filter [api])"),
                arguments("limits", "10/x", "init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H (filter [api])"),
                arguments("limits", "-5/s", "init-param [limits] was [-5/s]: count must be a whole number from 1 to 100000 (filter [api])"),
                arguments("limits", "0/s", "init-param [limits] was [0/s]: count must be a whole number from 1 to 100000 (filter [api])"),
                arguments("limits", "ten per second", "init-param [limits] was [ten per second]: must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas (filter [api])"),
                arguments("limits", "10/s, 20/1s", "init-param [limits] was [10/s, 20/1s]: limits [10/1s] and [20/1s] have the same period; keep the smaller count (filter [api])"),
                arguments("limits", "1000000/1h", "init-param [limits] was [1000000/1h]: count is above 100000"),
                arguments("enforce", "yes", "init-param [enforce] was [yes]: must be true or false (filter [api])"),
                arguments("trustedProxies", "10.0.0.0/33", "init-param [trustedProxies] was [10.0.0.0/33]: [10.0.0.0/33] has a prefix length outside 0..32 (filter [api])"),
                arguments("trustedProxies", "proxy.example.com", "init-param [trustedProxies] was [proxy.example.com]: [proxy.example.com] must be IP addresses or CIDR blocks"),
                arguments("rules", "classpath:no-such-rules.json", "init-param [rules] was [classpath:no-such-rules.json]: no such file (filter [api])"),
                arguments("key", "ip+cookie", "init-param [key] was [ip+cookie]: must be ip, user, session, header:NAME, param:NAME or global"),
                arguments("key", "global+ip", "init-param [key] was [global+ip]: global is one budget for every client; it cannot be joined with ip, user, session, header or param (filter [api])"),
                arguments("statusCode", "200", "init-param [statusCode] was [200]: must be a whole number from 400 to 599 (filter [api])"),
                arguments("rejectWith", "page", "init-param [rejectWith] was [page]: must be one of problem, error-page (filter [api])"),
                arguments("headers", "ietf", "init-param [headers] was [ietf]: must be one of draft, legacy, both, none (filter [api])"),
                arguments("exclude", "health", "init-param [exclude] was [health]: pattern [health] must be servlet URL patterns"),
                arguments("methods", "GET,PO ST", "init-param [methods] was [GET,PO ST]: method [PO ST] is not an HTTP method name (filter [api])"),
                arguments("backendTimeout", "5x", "init-param [backendTimeout] was [5x]: must be like 500ms, 10s, 1m, 2h, 1d or PT10S (filter [api])"),
                arguments("backendTimeout", "5m", "init-param [backendTimeout] was [5m]: must be at most 1m: every request may wait this long (filter [api])"),
                arguments("maxWait", "100ms", "init-param [maxWait] was [100ms]: must be at least backendTimeout (500ms) (filter [api])"),
                arguments("maxWait", "2m", "init-param [maxWait] was [2m]: must be at most 1m: a request may wait this long (filter [api])"),
                arguments("maxWait", "soon", "init-param [maxWait] was [soon]: must be like 500ms, 10s, 1m, 2h, 1d or PT10S (filter [api])"),
                arguments("onBackendFailure", "maybe", "init-param [onBackendFailure] was [maybe]: must be one of allow, deny, local (filter [api])"),
                arguments("keyPrefix", "app{1}:", "init-param [keyPrefix] was [app{1}:]: must not contain { or } (Tollgate puts its own hash tags in keys) (filter [api])"),
                arguments("redisAddress", "http://127.0.0.1:6379", "init-param [redisAddress] was [http://127.0.0.1:6379]: must start with redis:// or rediss:// (filter [api])"),
                arguments("redisAddress", "redis://u:secret@127.0.0.1:6379/x", "init-param [redisAddress] was [redis://u:***@127.0.0.1:6379/x]: path must be a database number like /0 (filter [api])"),
                arguments("redisAddress", "redis://default:S3/cr3t@127.0.0.1:6379", "init-param [redisAddress] was [redis://default:***@127.0.0.1:6379]: has no host; write it like redis://host:6379 (filter [api])"),
                arguments("redisAddress", "redis://:pass word@127.0.0.1:6379", "init-param [redisAddress] was [redis://:***@127.0.0.1:6379]: must be like redis://host:6379 or rediss://user:password@host:6380/0 (filter [api])"),
                arguments("redisAddress", "rediss://app:p#ss@w0rd@127.0.0.1:6380", "init-param [redisAddress] was [rediss://app:***@127.0.0.1:6380]:"),
                arguments("redisAddress", "redis://app:s3cret?@127.0.0.1", "init-param [redisAddress] was [redis://app:***@127.0.0.1]:"),
                arguments("ipv6Prefix", "16", "init-param [ipv6Prefix] was [16]: must be a prefix length from 32 to 128 (64 is one subscriber's allocation; 128 keys every address on its own) (filter [api])"),
                arguments("ipv6Prefix", "/64", "init-param [ipv6Prefix] was [/64]: must be a prefix length from 32 to 128"),
                arguments("redissonConfig", "redisson.yaml", "init-param [redissonConfig] was [redisson.yaml]: must be /WEB-INF/name (in the webapp), classpath:name or file:/path (filter [api])"),
                arguments("name", "my api", "init-param [name] was [my api]: must be 1 to 64 printable ASCII characters without spaces, quotes, backslashes or braces (filter [api])"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badParams")
    void badInitParamFailsInitNamingParamAndValue(String param, String value, String message) {
        StubFilterConfig config = StubFilterConfig.filter("api").initParam("redisAddress", NOWHERE);
        if (!param.equals("limits") && !param.equals("rules")) {
            config.initParam("limits", "10/s");
        }
        config.initParam(param, value);
        ServletException failure = assertThrows(ServletException.class,
                () -> new RateLimitFilter().init(config.build()));
        assertTrue(failure.getMessage().startsWith(message), failure.getMessage());
    }

    @ParameterizedTest(name = "limits={0} burst={1}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "10/s         | 0      | init-param [burst] was [0]: burst [0] must be a whole number from 1 to 1000000000000 (filter [api])",
            "10/s         | x      | init-param [burst] was [x]: burst [x] must be a whole number from 1 to 1000000000000 (filter [api])",
            "10/s, 100/1h | 20     | init-param [burst] was [20]: must give one burst per limit (2), in the order of limits (filter [api])",
            "1/1d         | 400    | init-param [burst] was [400]: burst [400] of limit [1/1d] would save up permits for longer than 366d (filter [api])",
            "10000000000000/1d | 1 | init-param [limits] was [10000000000000/1d]: count must be a whole number from 1 to 1000000000000 (filter [api])",
            "2000000/1s   | 1      | init-param [limits] was [2000000/1s]: limit [2000000/1s] refills faster than one permit per microsecond; use a longer period (filter [api])",
    })
    void badTokenBucketLimitOrBurstFailsDeployment(String limits, String burst, String message) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", NOWHERE)
                .param("algorithm", "token-bucket").param("limits", limits).param("burst", burst);
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals(message, failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void bothContainersRefuseToDeployWithTheFiltersMessage(TestApp.Kind kind) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", NOWHERE).param("limits", "10/x");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> kind.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H (filter [api])",
                failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void missingLimitsIsNamed(TestApp.Kind kind) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", NOWHERE);
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> kind.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("init-param [limits] is not set: RateLimitFilter needs limits (like 100/1m) or a rules file"
                + " (filter [api])", failure.getMessage());
    }

    @org.junit.jupiter.api.Test
    void contextParamThatIsNotASharedSettingIsRejected() {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", NOWHERE).param("limits", "10/s");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().contextParam("tollgate.limits", "5/s").filter(filter)
                        .servlet("/*", new CountingServlet()).start());
        assertTrue(failure.getMessage().startsWith("context-param [tollgate.limits] was [5/s]: not a shared Tollgate"
                + " setting"), failure.getMessage());
    }

    @org.junit.jupiter.api.Test
    void limitsTogetherWithRulesIsRejected() {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", NOWHERE)
                .param("limits", "10/s").param("rules", "classpath:rules/two-rules.json");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("init-param [limits] was [10/s]: cannot be set together with init-param [rules]; put these"
                + " limits in a rule (filter [api])", failure.getMessage());
    }

    @org.junit.jupiter.api.Test
    void unresolvablePlaceholderIsNamed() {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", NOWHERE)
                .param("limits", "${TOLLGATE_TEST_UNSET_LIMIT}");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("init-param [limits] was [${TOLLGATE_TEST_UNSET_LIMIT}]: no system property or environment"
                + " variable [TOLLGATE_TEST_UNSET_LIMIT] is set and the placeholder has no default (write"
                + " ${TOLLGATE_TEST_UNSET_LIMIT:default}) (filter [api])", failure.getMessage());
    }

    @org.junit.jupiter.api.Test
    void badRulesFileNamesTheRule() {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", NOWHERE)
                .param("rules", "classpath:rules/bad-field.json");
        TestApp.StartupFailure failure = assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet()).start());
        assertEquals("init-param [rules] was [classpath:rules/bad-field.json]: rule 2 (\"search\") has an unknown"
                + " field [limit]; fields are name, match, limits, key, algorithm, burst (filter [api])", failure.getMessage());
    }
}
