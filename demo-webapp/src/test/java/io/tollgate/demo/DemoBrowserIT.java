package io.tollgate.demo;

import io.tollgate.demo.containers.Container;
import io.tollgate.demo.launcher.DemoLauncher;
import io.tollgate.testing.RedisServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in headless Chromium: the burst shows rejections and an empty budget on the chart;
 * "double-click ×5" shows one order run, in both modes; calling the external API directly draws 429s,
 * through a ProviderChain none; and the page works deployed under a path of its own. Runs with
 * {@code mvn verify -Pbrowser}.
 */
@EnabledIfSystemProperty(named = "tollgate.demo.browser", matches = "true")
class DemoBrowserIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void burstAndDoubleClickShowWhatTollgateDoes() throws Exception {
        Path work = Path.of(System.getProperty("tollgate.test.workDir", "target/test-work"));
        Path screenshots = Path.of(System.getProperty("tollgate.demo.screenshots", "target/screenshots"));
        try (RedisServer redis = RedisServer.startNew()) {
            List<Server> servers = DemoLauncher.startAll(2, 0, DemoLauncher.war(), redis.url());
            try (Chromium chromium = Chromium.start(work)) {
                int port = ((ServerConnector) servers.get(0).getConnectors()[0]).getLocalPort();
                chromium.navigate("http://localhost:" + port + "/");
                chromium.await("document.body.dataset.ready === 'true'", WAIT);
                assertEquals(2, chromium.eval("document.querySelectorAll('#instances .instance.A, #instances .instance.B').length").asInt());

                chromium.click("#send-one");
                chromium.await("document.getElementById('admitted-total').textContent === '1'", WAIT);
                chromium.click("#burst");
                chromium.await("Number(document.getElementById('rejected-total').textContent) > 0", WAIT);
                chromium.await("Number(document.getElementById('admitted-total').textContent)"
                        + " + Number(document.getElementById('rejected-total').textContent) === 26", WAIT);
                assertEquals(10, chromium.eval("Number(document.getElementById('admitted-total').textContent)").asInt());
                assertEquals(16, chromium.eval("Number(document.getElementById('rejected-total').textContent)").asInt());
                assertEquals("0", chromium.eval("document.getElementById('remaining').textContent").asText());
                chromium.await("document.querySelectorAll('#bars rect.no').length > 0", WAIT);
                chromium.await("!document.getElementById('retry').hidden", WAIT);

                // the three algorithms on the same burst: each admits its 10, the token bucket drains and refills
                chromium.click("#algo-burst");
                for (String algorithm : List.of("sliding-log", "token-bucket", "rratelimiter")) {
                    String box = "document.querySelector('.algo[data-algo=\"" + algorithm + "\"]')";
                    chromium.await("Number(" + box + ".querySelector('.admitted').textContent)"
                            + " + Number(" + box + ".querySelector('.rejected').textContent) === 25", WAIT);
                    int admitted = chromium.eval("Number(" + box + ".querySelector('.admitted').textContent)").asInt();
                    assertTrue(admitted >= 10 && admitted <= (algorithm.equals("token-bucket") ? 12 : 10),
                            algorithm + " admitted " + admitted);
                    chromium.await(box + ".querySelectorAll('rect.no').length > 0", WAIT);
                }
                assertTrue(chromium.eval("Number(document.getElementById('bucket').dataset.level)").asInt() <= 2);
                chromium.await("Number(document.getElementById('bucket').dataset.level) >= 3", WAIT);

                chromium.click("#double-reject");
                chromium.await("document.querySelectorAll('#answers-reject li').length === 5", WAIT);
                assertEquals(1, chromium.eval("document.querySelectorAll('#answers-reject li[data-status=\"201\"]').length").asInt());
                assertEquals(4, chromium.eval("document.querySelectorAll('#answers-reject li[data-status=\"409\"]').length").asInt());
                chromium.await("document.getElementById('delta-reject').textContent.startsWith('+1 ')", WAIT);
                // the lock timeline, from the servers' times: one held the RLock, four were refused
                chromium.await("document.getElementById('timeline-reject').dataset.rows === '5'", WAIT);
                assertEquals(1, chromium.eval("document.querySelectorAll('#timeline-reject rect.holder').length").asInt());
                assertEquals(4, chromium.eval("document.querySelectorAll('#timeline-reject rect.refused[data-status=\"409\"]').length").asInt());
                assertEquals(1, chromium.eval("document.querySelectorAll('#timeline-reject line.release').length").asInt());

                chromium.click("#double-replay");
                chromium.await("document.querySelectorAll('#answers-replay li').length === 5", WAIT);
                assertEquals(5, chromium.eval("document.querySelectorAll('#answers-replay li[data-status=\"201\"]').length").asInt());
                assertEquals(4, chromium.eval("document.querySelectorAll('#answers-replay .replayed').length").asInt());
                chromium.await("document.getElementById('delta-replay').textContent.startsWith('+1 ')", WAIT);
                chromium.await("document.getElementById('timeline-replay').dataset.rows === '5'", WAIT);
                assertEquals(1, chromium.eval("document.querySelectorAll('#timeline-replay rect.holder').length").asInt());
                assertEquals(4, chromium.eval("document.querySelectorAll('#timeline-replay rect.replayed').length").asInt());

                chromium.click(".endpoint[data-item=apple] button");
                chromium.await("document.querySelector('.endpoint[data-item=apple] .status').textContent === '200'", WAIT);

                chromium.click("#run-direct");
                chromium.await("document.getElementById('result-direct').dataset.refused !== undefined", WAIT);
                assertTrue(chromium.eval("Number(document.getElementById('result-direct').dataset.refused)").asInt() > 0);
                chromium.click("#run-chain");
                chromium.await("document.getElementById('result-chain').dataset.refused !== undefined", WAIT);
                assertEquals(0, chromium.eval("Number(document.getElementById('result-chain').dataset.refused)").asInt());
                assertTrue(chromium.eval("Number(document.getElementById('result-chain').dataset.beta)").asInt() > 0);

                Path shot = screenshots.resolve("demo.png");
                chromium.screenshot(shot);
                assertTrue(Files.size(shot) > 10_000, "screenshot of " + Files.size(shot) + " bytes");
            } finally {
                for (Server s : servers) {
                    s.stop();
                }
            }
        }
    }

    @Test
    void thePageWorksUnderItsOwnContextPath() throws Exception {
        Path work = Path.of(System.getProperty("tollgate.test.workDir", "target/test-work"));
        Container.Kind tomcat = Container.Kind.TOMCAT_11;
        try (RedisServer redis = RedisServer.startNew();
             Container c = Container.deployAt("/tollgate-demo", tomcat, Container.war(tomcat), redis.url());
             Chromium chromium = Chromium.start(work)) {
            chromium.navigate(c.uri("/tollgate-demo/").toString());
            chromium.await("document.body.dataset.ready === 'true'", WAIT);
            chromium.click("#send-one");
            chromium.await("document.getElementById('admitted-total').textContent === '1'", WAIT);
            chromium.click("#double-reject");
            chromium.await("document.querySelectorAll('#answers-reject li').length === 5", WAIT);
            assertEquals(1, chromium.eval("document.querySelectorAll('#answers-reject li[data-status=\"201\"]').length").asInt());
            assertEquals(4, chromium.eval("document.querySelectorAll('#answers-reject li[data-status=\"409\"]').length").asInt());
        }
    }
}
