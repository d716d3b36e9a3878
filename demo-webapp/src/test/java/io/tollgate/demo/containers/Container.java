package io.tollgate.demo.containers;

import io.tollgate.demo.launcher.DemoLauncher;
import io.tollgate.testing.StartupErrors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A container with a WAR deployed from its real web.xml: Jetty 12 in this JVM, or any of them (Tomcat 9,
 * 10.1, 11, Jetty 10, 12) in a JVM of its own with only its jars (copied to target/containers/ by the build).
 */
public abstract class Container implements AutoCloseable {

    /** Every container the contract suite covers, with the WAR flavour it takes. */
    public enum Kind {
        JETTY_12(false), TOMCAT_9(true), TOMCAT_10_1(false), TOMCAT_11(false), JETTY_10(true);

        /** Whether it takes the javax.servlet build. */
        public final boolean javax;

        Kind(boolean javax) {
            this.javax = javax;
        }

        String jarsDir() {
            return name().toLowerCase().replaceFirst("_", "-").replace('_', '.');
        }

        /** The class that deploys a WAR in this container in a JVM of its own. */
        Class<?> launcher() {
            return name().startsWith("JETTY") ? JettyMain.class : TomcatMain.class;
        }

        /** This container's jars (its servlet API among them). */
        public Path jars() throws IOException {
            Path jars = Paths.get(System.getProperty("tollgate.containers", "target/containers")).resolve(jarsDir());
            if (!Files.isDirectory(jars)) {
                throw new IOException("no " + jars + ": the build copies each container's jars there (mvn verify)");
            }
            return jars;
        }
    }

    /** The container did not start the webapp; the message is the container's reason. */
    public static final class DeployFailed extends Exception {
        private static final long serialVersionUID = 1L;

        /** What the container logged up to the failure ("" when in this JVM). */
        public final String log;

        DeployFailed(String message, String log) {
            super(message);
            this.log = log;
        }
    }

    static final Path WORK = Paths.get(System.getProperty("tollgate.test.workDir", "target/test-work"));

    public abstract int port();

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** Deploys {@code war} in a container of {@code kind}, with {@code REDIS_URL} set for its web.xml. */
    public static Container deploy(Kind kind, Path war, String redisUrl) throws Exception {
        return kind == Kind.JETTY_12 ? new InProcessJetty(war, redisUrl) : new Child(kind, war, redisUrl, "");
    }

    /** Like {@link #deploy}, always in a JVM of its own holding nothing but the container's jars. */
    public static Container deployAlone(Kind kind, Path war, String redisUrl) throws Exception {
        return new Child(kind, war, redisUrl, "");
    }

    /** Tomcat in a JVM of its own, the WAR deployed at {@code contextPath} (e.g. "/tollgate-demo"). */
    public static Container deployAt(String contextPath, Kind tomcat, Path war, String redisUrl) throws Exception {
        if (tomcat.launcher() != TomcatMain.class) {
            throw new IllegalArgumentException(tomcat + " is not a Tomcat");
        }
        return new Child(tomcat, war, redisUrl, contextPath);
    }

    /**
     * The command that runs {@code kind}'s launcher in a JVM of its own, with only the container's jars and
     * the launcher's classes, {@code REDIS_URL} set and its temporary files in {@code work}.
     */
    static List<String> command(Kind kind, String redisUrl, Path work, String... args) throws Exception {
        return command(kind, redisUrl, work, null, args);
    }

    /** As {@link #command(Kind, String, Path, String...)}, with the jars of {@code serverLib} (Tomcat's lib/) too. */
    static List<String> command(Kind kind, String redisUrl, Path work, Path serverLib, String... args) throws Exception {
        String launcher = Paths.get(TomcatMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + File.pathSeparator
                + Paths.get(StartupErrors.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (serverLib != null) {
            // what catalina.sh passes: Tomcat's leak detection (thread-locals, ObjectStream caches, RMI) fully on
            cmd.addAll(List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED"));
        }
        cmd.addAll(List.of(
                "-Xmx256m", "-DREDIS_URL=" + redisUrl, "-Djava.io.tmpdir=" + work,
                "-cp", kind.jars().resolve("*") + File.pathSeparator
                        + (serverLib == null ? "" : serverLib.resolve("*") + File.pathSeparator) + launcher,
                kind.launcher().getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** What the container has logged so far (its standard output and error), or "" when in this JVM. */
    public String log() throws IOException {
        return "";
    }

    /** The demo WAR for this container: the jakarta one, or its javax.servlet build. */
    public static Path war(Kind kind) throws IOException {
        Path jakarta = DemoLauncher.war();
        return kind.javax ? jakarta.resolveSibling("tollgate-demo-javax.war") : jakarta;
    }

    private static final class InProcessJetty extends Container {
        private final Server server;

        InProcessJetty(Path war, String redisUrl) throws Exception {
            System.setProperty("REDIS_URL", redisUrl);
            try {
                server = DemoLauncher.createServer(0, war, "A");
            } catch (Exception e) {
                Throwable t = e;
                while (t.getCause() != null && t.getCause() != t) {
                    t = t.getCause();
                }
                throw new DeployFailed(t.getMessage(), "");
            }
        }

        @Override
        public int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }

    private static final class Child extends Container {
        private final Process process;
        private final Path logFile;
        private final int port;

        Child(Kind kind, Path war, String redisUrl, String contextPath) throws Exception {
            Path work = Files.createTempDirectory(Files.createDirectories(WORK), kind.jarsDir() + "-");
            Path status = work.resolve("status");
            logFile = work.resolve("container.log");
            List<String> cmd = command(kind, redisUrl, work, war.toString(), work.toString(), status.toString(),
                    contextPath);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(status)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IOException(kind + " did not report; its log: "
                            + Files.readString(logFile));
                }
                Thread.sleep(50);
            }
            String answer = Files.readString(status, StandardCharsets.UTF_8);
            if (answer.startsWith("FAILED ")) {
                close0();
                throw new DeployFailed(answer.substring("FAILED ".length()), log());
            }
            port = Integer.parseInt(answer.substring("PORT ".length()).trim());
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public String log() throws IOException {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        }

        private void close0() throws Exception {
            process.getOutputStream().close(); // the launcher stops when its stdin closes
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() throws Exception {
            close0();
        }
    }
}
