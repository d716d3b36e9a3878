package io.tollgate.demo.containers;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A webapp whose filter fails to start, without an SLF4J provider, on a Tomcat whose logging is set up as
 * the distribution's conf/logging.properties sets it (the webapps' own log, ServletContext.log and Tomcat's
 * "Exception starting filter", goes to localhost.DATE.log only): the cause is in catalina.out (Tomcat's
 * console output) all the same.
 */
class FailedStartIT {

    private static final Container.Kind KIND = Container.Kind.TOMCAT_10_1;

    @Test
    void aFailedStartShowsItsCauseInCatalinaOut() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "failed-start-");
            Path app = LegacyWar.explode(KIND, Files.createDirectories(work.resolve("webapps")).resolve("app"), false);
            Path webXml = app.resolve("WEB-INF/web.xml");
            Files.writeString(webXml, Files.readString(webXml).replace("<param-value>100/1m</param-value>",
                    "<param-value>100/x</param-value>"));
            Path logs = Files.createDirectories(work.resolve("logs"));
            Path properties = work.resolve("logging.properties");
            Files.writeString(properties, String.join("\n",
                    "handlers = 1catalina.org.apache.juli.AsyncFileHandler, 2localhost.org.apache.juli.AsyncFileHandler,"
                            + " java.util.logging.ConsoleHandler",
                    ".handlers = 1catalina.org.apache.juli.AsyncFileHandler, java.util.logging.ConsoleHandler",
                    "1catalina.org.apache.juli.AsyncFileHandler.level = FINE",
                    "1catalina.org.apache.juli.AsyncFileHandler.directory = " + logs,
                    "1catalina.org.apache.juli.AsyncFileHandler.prefix = catalina.",
                    "2localhost.org.apache.juli.AsyncFileHandler.level = FINE",
                    "2localhost.org.apache.juli.AsyncFileHandler.directory = " + logs,
                    "2localhost.org.apache.juli.AsyncFileHandler.prefix = localhost.",
                    "java.util.logging.ConsoleHandler.level = FINE",
                    "java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter",
                    // the distribution's engine is Catalina; the embedded one is named Tomcat
                    "org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].level = INFO",
                    "org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].handlers ="
                            + " 2localhost.org.apache.juli.AsyncFileHandler", ""));
            Path status = work.resolve("status");
            Path catalinaOut = work.resolve("catalina.out");
            ProcessBuilder builder = new ProcessBuilder(Container.command(KIND, redis.url(), work,
                    "-", work.toString(), status.toString(), "standalone"))
                    .redirectErrorStream(true).redirectOutput(catalinaOut.toFile());
            builder.environment().put("JAVA_TOOL_OPTIONS", "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager"
                    + " -Djava.util.logging.config.file=" + properties);
            Process tomcat = builder.start();
            try {
                String started = Conditions.await(() -> Files.exists(status) ? Files.readString(status) : "",
                        s -> s.startsWith("PORT ") || !tomcat.isAlive(), Duration.ofSeconds(90));
                assertTrue(started.startsWith("PORT "), Files.readString(catalinaOut));
                String cause = "Tollgate RateLimitFilter [api] did not start: init-param [limits] was [100/x]";
                String out = Conditions.await(() -> Files.readString(catalinaOut, StandardCharsets.UTF_8),
                        t -> t.contains("One or more Filters failed to start") && t.contains(cause), Duration.ofSeconds(30));
                assertTrue(out.contains(cause), out);
                // the logging set-up is the distribution's: Tomcat's own report of the filter is not in catalina.out
                assertTrue(!out.contains("Exception starting filter"), out);
            } finally {
                tomcat.getOutputStream().close();
                if (!tomcat.waitFor(30, TimeUnit.SECONDS)) {
                    tomcat.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
