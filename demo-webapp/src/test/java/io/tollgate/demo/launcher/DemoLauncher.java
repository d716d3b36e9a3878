package io.tollgate.demo.launcher;

import io.tollgate.testing.RedisServer;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the demo: the demo WAR (with its real WEB-INF/web.xml) on embedded Jetty 12, one or more
 * instances sharing one Redis. Uses {@code REDIS_URL} or {@code -Dtollgate.redisAddress} when given,
 * else starts an embedded Redis and stops it on exit.
 *
 * <pre>
 * mvn -q -DskipTests package exec:java -pl demo-webapp -am                                  # one instance on :8080
 * mvn -q -DskipTests package exec:java -pl demo-webapp -am -Dexec.args="--instances 2"      # :8080 and :8081
 * </pre>
 */
public final class DemoLauncher {

    private static final int MAX_INSTANCES = 4;

    private DemoLauncher() {
    }

    public static void main(String[] args) throws Exception {
        int instances = 1;
        int port = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--instances":
                    instances = Integer.parseInt(args[++i]);
                    break;
                case "--port":
                    port = Integer.parseInt(args[++i]);
                    break;
                default:
                    System.err.println("usage: DemoLauncher [--instances 1.." + MAX_INSTANCES + "] [--port 8080]");
                    System.exit(2);
            }
        }
        if (instances < 1 || instances > MAX_INSTANCES) {
            System.err.println("--instances must be 1 to " + MAX_INSTANCES);
            System.exit(2);
        }
        Path war = war();
        String redisUrl = System.getProperty("tollgate.redisAddress", System.getenv("REDIS_URL"));
        RedisServer embedded = null;
        if (redisUrl == null || redisUrl.isBlank()) {
            embedded = RedisServer.startNew();
            redisUrl = embedded.url();
        }
        List<Server> servers;
        try {
            servers = startAll(instances, port, war, redisUrl);
        } catch (BindException e) {
            System.out.println("Port " + port + " is taken; using free ports instead.");
            servers = startAll(instances, 0, war, redisUrl);
        }
        RedisServer redis = embedded;
        List<Server> running = servers;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the Tollgate demo...");
            for (Server s : running) {
                try {
                    s.stop();
                } catch (Exception e) {
                    System.err.println("Jetty did not stop cleanly: " + e);
                }
            }
            if (redis != null) {
                redis.stop();
            }
            System.out.println("Stopped.");
        }, "tollgate-demo-shutdown"));
        System.out.println();
        System.out.println("  Tollgate demo running at " + url(servers.get(0)));
        for (int i = 1; i < servers.size(); i++) {
            System.out.println("                      and " + url(servers.get(i)) + " (instance " + name(i) + ")");
        }
        System.out.println("  Redis: " + redisUrl + (redis != null ? " (embedded, stopped on exit)" : ""));
        System.out.println("  Press Ctrl-C to stop.");
        System.out.println();
        servers.get(0).join();
    }

    /** Starts {@code count} instances on consecutive ports from {@code port} (0: any free ports). */
    public static List<Server> startAll(int count, int port, Path war, String redisUrl) throws Exception {
        System.setProperty("REDIS_URL", redisUrl); // the web.xml reads ${REDIS_URL:...}
        List<Server> servers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                servers.add(createServer(port == 0 ? 0 : port + i, war, name(i)));
            }
        } catch (Exception e) {
            for (Server s : servers) {
                s.stop();
            }
            throw e;
        }
        List<String> origins = new ArrayList<>();
        for (Server s : servers) {
            origins.add(url(s).replaceAll("/$", ""));
        }
        for (Server s : servers) {
            ((WebAppContext) s.getHandler()).setInitParameter("demo.instances", String.join(",", origins));
        }
        return servers;
    }

    /** One instance: Jetty on {@code port} (0: a free one) deploying the demo WAR, started. */
    public static Server createServer(int port, Path war, String instance) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        WebAppContext web = new WebAppContext();
        web.setContextPath("/");
        web.setWar(war.toString());
        Path temp = Paths.get(System.getProperty("tollgate.test.workDir", "target/demo-work"));
        web.setTempDirectory(Files.createTempDirectory(Files.createDirectories(temp), "jetty-").toFile());
        web.setInitParameter("demo.instance", instance);
        // the webapp logs through the launcher's SLF4J provider (so Tollgate's log lines show in the console)
        web.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        web.setThrowUnavailableOnStartupException(true);
        server.setHandler(web);
        try {
            server.start();
        } catch (IOException e) {
            server.stop();
            throw e;
        }
        return server;
    }

    /** The built demo WAR: {@code -Dtollgate.demo.war}, else demo-webapp/target/tollgate-demo.war. */
    public static Path war() throws IOException {
        String configured = System.getProperty("tollgate.demo.war");
        Path war = Paths.get(configured != null ? configured : "demo-webapp/target/tollgate-demo.war");
        if (!Files.isRegularFile(war)) {
            throw new IOException("no demo WAR at " + war.toAbsolutePath() + "; build it first: mvn -DskipTests package");
        }
        return war;
    }

    static String name(int i) {
        return String.valueOf((char) ('A' + i));
    }

    static String url(Server server) {
        return "http://localhost:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/";
    }
}
