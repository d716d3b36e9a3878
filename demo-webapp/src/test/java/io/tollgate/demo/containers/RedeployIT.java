package io.tollgate.demo.containers;

import io.tollgate.demo.launcher.DemoLauncher;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Undeploy and redeploy the demo WAR in one running Tomcat, three times: the undeployed webapp leaves no
 * thread behind, Tomcat's own leak detection reports nothing (no thread, no thread-local on its threads),
 * nothing loads a class of a stopped webapp ("Illegal access"), and the redeployed webapp enforces its
 * limits again.
 */
class RedeployIT {

    @Test
    void undeployLeavesNothingBehindAndTheRedeployWorks() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            System.setProperty("REDIS_URL", redis.url());
            Path base = Files.createTempDirectory(Files.createDirectories(Container.WORK), "redeploy-");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            tomcat.getHost().setAppBase(Files.createDirectories(base.resolve("webapps")).toString());
            tomcat.setAddDefaultWebXmlToWebapp(false);
            tomcat.start();
            // Tomcat's own leak detection runs when a webapp stops: it reports threads the webapp left
            // running and thread-locals it left on the container's threads
            List<String> leakReports = new CopyOnWriteArrayList<>();
            // and, at INFO, each class a stopped webapp was asked for (e.g. by a thread it left behind)
            List<String> illegalAccess = new CopyOnWriteArrayList<>();
            Handler capture = new Handler() {
                @Override
                public void publish(LogRecord record) {
                    String message = record.getMessage() == null ? "" : record.getMessage();
                    if (message.contains("Illegal access")) {
                        illegalAccess.add(message + (record.getThrown() == null ? "" : " " + record.getThrown()));
                    }
                    if (record.getLevel().intValue() >= Level.WARNING.intValue()
                            && String.valueOf(record.getSourceClassName()).contains("WebappClassLoaderBase")
                            && !message.contains("--add-opens")) {
                        String report = new java.text.MessageFormat(message).format(record.getParameters());
                        // Tomcat's own utility pool runs the context's background processing with the webapp's
                        // loader bound; caught in that moment on a busy machine, Tomcat reports its own thread
                        if (!report.contains("thread named [Catalina-utility-")) {
                            leakReports.add(report);
                        }
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            Logger.getLogger("").addHandler(capture);
            try {
                deployUseAndUndeploy(tomcat, redis, 1);
                deployUseAndUndeploy(tomcat, redis, 2);
                deployUseAndUndeploy(tomcat, redis, 3);
                assertEquals(List.of(), leakReports, "Tomcat's leak reports");
                assertEquals(List.of(), illegalAccess, "classes loaded from a stopped webapp");
            } finally {
                Logger.getLogger("").removeHandler(capture);
                tomcat.stop();
                tomcat.destroy();
                System.clearProperty("REDIS_URL");
            }
        }
    }

    /** One deployment: 10 requests admitted, the 11th rejected; then undeployed, leaving no thread. */
    private static void deployUseAndUndeploy(Tomcat tomcat, RedisServer redis, int deployment) throws Exception {
        try (Resp resp = redis.connect()) {
            resp.call("FLUSHALL");
        }
        Context context = tomcat.addWebapp("", DemoLauncher.war().toAbsolutePath().toString());
        URI quote = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/api/quote");
        for (int i = 0; i < 10; i++) {
            assertEquals(200, Http.get(quote).statusCode(), "deployment " + deployment);
        }
        assertEquals(429, Http.get(quote).statusCode(), "deployment " + deployment);
        ClassLoader webapp = context.getLoader().getClassLoader();
        assertFalse(threadsOf(webapp).isEmpty(), "the webapp's Redis client runs threads");

        tomcat.getHost().removeChild(context); // undeploy: filters destroyed, context stopped
        assertEquals(Set.of(), threadsOf(webapp), "threads left by the undeployed webapp");
    }

    /**
     * Live threads of the webapp: those carrying its class loader, or whose class it loaded (Netty's own
     * thread class, when Netty is in WEB-INF/lib).
     */
    static Set<String> threadsOf(ClassLoader webapp) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && (t.getContextClassLoader() == webapp
                        || t.getClass().getClassLoader() == webapp))
                .map(Thread::getName).collect(Collectors.toSet());
    }
}
