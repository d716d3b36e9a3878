package io.tollgate;

import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.StubFilterConfig;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A wrong DoubleSubmitFilter init-param stops the webapp from deploying, with a message naming the param,
 * quoting the value and stating the rule. Redis is never contacted (none runs at the address used here).
 * The table runs in process ({@code init} with the strings web.xml carries); that both containers refuse
 * to deploy with the same message is shown once per container.
 */
class DoubleSubmitSettingsErrorsTest {

    private static final String NOWHERE = "redis://127.0.0.1:1";

    static Stream<Arguments> badParams() {
        return Stream.of(
                arguments("windw", "10s", "init-param [windw] was [10s]: DoubleSubmitFilter has no such setting;"
                        + " its settings are [backendTimeout, client, clientIpHeader, exclude, failoverGrace, fingerprint,"
                        + " ipv6Prefix,"
                        + " keyHeader, keyPrefix, keyWindow, lockLease, maxBodyBytes, maxBufferedBytes, maxResponseBytes,"
                        + " maxStoredBytesPerClient, maxWait, methods, mode,"
                        + " onBackendFailure, redisAddress, redissonConfig, redissonJndiName, replicaAcks, trustedProxies,"
                        + " waitTimeout, window]"
                        + " (filter [orders])"),
                arguments("limits", "10/s", "init-param [limits] was [10/s]: DoubleSubmitFilter has no such setting;"
                        + " its settings are [backendTimeout, client, clientIpHeader, exclude, failoverGrace, fingerprint,"
                        + " ipv6Prefix,"
                        + " keyHeader, keyPrefix, keyWindow, lockLease, maxBodyBytes, maxBufferedBytes, maxResponseBytes,"
                        + " maxStoredBytesPerClient, maxWait, methods, mode,"
                        + " onBackendFailure, redisAddress, redissonConfig, redissonJndiName, replicaAcks, trustedProxies,"
                        + " waitTimeout, window]"
                        + " (filter [orders])"),
                arguments("redisAdress", "redis://app:s3cret@127.0.0.1:6379", "init-param [redisAdress] was"
                        + " [redis://app:***@127.0.0.1:6379]: DoubleSubmitFilter has no such setting;"
                        + " its settings are [backendTimeout, client, clientIpHeader, exclude, failoverGrace, fingerprint,"
                        + " ipv6Prefix,"
                        + " keyHeader, keyPrefix, keyWindow, lockLease, maxBodyBytes, maxBufferedBytes, maxResponseBytes,"
                        + " maxStoredBytesPerClient, maxWait, methods, mode,"
                        + " onBackendFailure, redisAddress, redissonConfig, redissonJndiName, replicaAcks, trustedProxies,"
                        + " waitTimeout, window]"
                        + " (filter [orders])"),
                arguments("mode", "replays", "init-param [mode] was [replays]: must be one of reject, replay"
                        + " (filter [orders])"),
                arguments("fingerprint", "headers", "init-param [fingerprint] was [headers]: must be one of body, none"
                        + " (filter [orders])"),
                arguments("client", "cookie", "init-param [client] was [cookie]: must be auto, user, session, ip,"
                        + " header:NAME or cookie:NAME (filter [orders])"),
                arguments("client", "header:bad name", "init-param [client] was [header:bad name]: header name"
                        + " [bad name] is not a valid HTTP header name (filter [orders])"),
                arguments("window", "10x", "init-param [window] was [10x]: must be like 500ms, 10s, 1m, 2h, 1d or"
                        + " PT10S (filter [orders])"),
                arguments("window", "0s", "init-param [window] was [0s]: must be longer than zero (filter [orders])"),
                arguments("keyWindow", "400d", "init-param [keyWindow] was [400d]: must be at most 366d"
                        + " (filter [orders])"),
                arguments("lockLease", "50ms", "init-param [lockLease] was [50ms]: must be at least 100ms: it has to"
                        + " outlast the request it guards (filter [orders])"),
                arguments("waitTimeout", "-1s", "init-param [waitTimeout] was [-1s]: must be like 500ms, 10s, 1m, 2h,"
                        + " 1d or PT10S (filter [orders])"),
                arguments("waitTimeout", "-PT1S", "init-param [waitTimeout] was [-PT1S]: must be longer than zero"
                        + " (filter [orders])"),
                arguments("maxBodyBytes", "1GB", "init-param [maxBodyBytes] was [1GB]: must be at most 64MB: bodies"
                        + " up to this size are held in memory (filter [orders])"),
                arguments("maxBodyBytes", "lots", "init-param [maxBodyBytes] was [lots]: must be a size like 512B,"
                        + " 64KB or 1MB (filter [orders])"),
                arguments("maxBufferedBytes", "32GB", "init-param [maxBufferedBytes] was [32GB]: must be at most 16GB:"
                        + " it is heap (filter [orders])"),
                arguments("maxStoredBytesPerClient", "2GB", "init-param [maxStoredBytesPerClient] was [2GB]: must be at"
                        + " most 1GB: it is what one client may keep in Redis (filter [orders])"),
                arguments("failoverGrace", "1h", "init-param [failoverGrace] was [1h]: must be at most 10m: every"
                        + " guarded request is denied meanwhile (filter [orders])"),
                arguments("failoverGrace", "soon", "init-param [failoverGrace] was [soon]: must be like 500ms, 10s,"
                        + " 1m, 2h, 1d or PT10S (filter [orders])"),
                arguments("replicaAcks", "-1", "init-param [replicaAcks] was [-1]: must be a whole number from 0 to 16"
                        + " (filter [orders])"),
                arguments("replicaAcks", "one", "init-param [replicaAcks] was [one]: must be a whole number from 0 to"
                        + " 16 (filter [orders])"),
                arguments("maxResponseBytes", "100MB", "init-param [maxResponseBytes] was [100MB]: must be at most"
                        + " 16MB: stored responses live in Redis (filter [orders])"),
                arguments("methods", "PO ST", "init-param [methods] was [PO ST]: method [PO ST] is not an HTTP method"
                        + " name (filter [orders])"),
                arguments("methods", "POST,,PUT", "init-param [methods] was [POST,,PUT]: has an empty item; write"
                        + " items separated by single commas (filter [orders])"),
                arguments("keyHeader", "Idem Key", "init-param [keyHeader] was [Idem Key]: must be an HTTP header name"
                        + " like Idempotency-Key (filter [orders])"),
                arguments("exclude", "pay", "init-param [exclude] was [pay]: pattern [pay] must be servlet URL"
                        + " patterns like /health, /static/* or *.css, separated by commas (filter [orders])"),
                arguments("trustedProxies", "10.0.0.0/40", "init-param [trustedProxies] was [10.0.0.0/40]:"
                        + " [10.0.0.0/40] has a prefix length outside 0..32 (filter [orders])"),
                arguments("onBackendFailure", "maybe", "init-param [onBackendFailure] was [maybe]: must be one of"
                        + " allow, deny, local (filter [orders])"),
                arguments("backendTimeout", "5m", "init-param [backendTimeout] was [5m]: must be at most 1m: every"
                        + " request may wait this long (filter [orders])"));
    }

    static FilterSpec orders() {
        return FilterSpec.of("orders", DoubleSubmitFilter.class).param("redisAddress", NOWHERE);
    }

    static TestApp.StartupFailure deployFails(TestApp.Builder app, FilterSpec filter) {
        return assertThrows(TestApp.StartupFailure.class,
                () -> app.filter(filter).servlet("/*", new SubmitServlet()).start());
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badParams")
    void badInitParamFailsInitNamingParamAndValue(String param, String value, String message) {
        StubFilterConfig config = StubFilterConfig.filter("orders").initParam("redisAddress", NOWHERE)
                .initParam(param, value);
        ServletException failure = assertThrows(ServletException.class,
                () -> new DoubleSubmitFilter().init(config.build()));
        assertEquals(message, failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void bothContainersRefuseToDeployWithTheFiltersMessage(TestApp.Kind kind) {
        TestApp.StartupFailure failure = deployFails(kind.builder(), orders().param("mode", "replays"));
        assertEquals("init-param [mode] was [replays]: must be one of reject, replay (filter [orders])",
                failure.getMessage());
    }

    @Test
    void replicaAcksOnASingleServerFailsStartUp() {
        TestApp.StartupFailure failure = deployFails(TestApp.Kind.JETTY.builder(), orders().param("replicaAcks", "1"));
        assertEquals("init-param [replicaAcks] was [1]: needs replicas, and the Redis configured is a single server:"
                + " name a sentinel, cluster, replicated or master/slave setup in redissonConfig, or set replicaAcks"
                + " to 0 (filter [orders])", failure.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void badSharedSettingGivenAsContextParamIsNamedAsContextParam(TestApp.Kind kind) {
        TestApp.StartupFailure failure = deployFails(
                kind.builder().contextParam("tollgate.backendTimeout", "2m"), orders());
        assertEquals("context-param [tollgate.backendTimeout] was [2m]: must be at most 1m: every request may wait"
                + " this long (filter [orders])", failure.getMessage());
    }

    @Test
    void unparsableBackendTimeoutContextParamStatesTheRule() {
        TestApp.StartupFailure failure = deployFails(
                TestApp.Kind.JETTY.builder().contextParam("tollgate.backendTimeout", "fast"), orders());
        assertEquals("context-param [tollgate.backendTimeout] was [fast]: must be like 500ms, 10s, 1m, 2h, 1d or"
                + " PT10S (filter [orders])", failure.getMessage());
    }

    @Test
    void filterOnlySettingGivenAsContextParamIsRejected() {
        TestApp.StartupFailure failure = deployFails(
                TestApp.Kind.JETTY.builder().contextParam("tollgate.window", "10s"), orders());
        assertEquals("context-param [tollgate.window] was [10s]: not a shared Tollgate setting; context-params may"
                + " set [tollgate.backendTimeout, tollgate.keyPrefix, tollgate.maxWait, tollgate.onBackendFailure, tollgate.redisAddress,"
                + " tollgate.redissonConfig, tollgate.redissonJndiName] (other settings"
                + " are init-params of each filter) (filter [orders])", failure.getMessage());
    }

    @Test
    void goodSettingsDeployWithoutReachingRedis() throws Exception {
        FilterSpec filter = orders().param("mode", "replay").param("window", "PT10S").param("keyWindow", "366d")
                .param("lockLease", "100ms").param("maxBodyBytes", "64MB").param("maxResponseBytes", "16MB")
                .param("client", "header:X-Client").param("exclude", "/health,/static/*,*.css")
                .param("trustedProxies", "10.0.0.0/8, ::1").param("onBackendFailure", "deny");
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new SubmitServlet()).start()) {
            assertEquals(201, Http.get(app.uri("/health")).statusCode());
        }
    }
}
