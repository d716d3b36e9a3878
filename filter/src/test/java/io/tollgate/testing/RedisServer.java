package io.tollgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for tests, on a free loopback port. Taken from {@code REDIS_URL} when set
 * (then it is not ours to stop), else the {@code redis-server} on PATH, else the binary shipped in the
 * Maven Central artifact {@code com.github.codemonstur:embedded-redis}: {@code mvn verify} needs nothing
 * installed but a JDK and Maven.
 */
public final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Path WORK = Paths.get(System.getProperty("tollgate.test.workDir", "target/test-work"));

    private final String host;
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final Path configFile;
    private Process process;

    private RedisServer(String host, int port, Path dir, List<String> extraArgs) {
        this(host, port, dir, extraArgs, null);
    }

    private RedisServer(String host, int port, Path dir, List<String> extraArgs, Path configFile) {
        this.host = host;
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
        this.configFile = configFile;
    }

    /** The Redis for most tests: {@code REDIS_URL} if set, else a new local process. */
    public static RedisServer shared() throws IOException {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isEmpty()) {
            java.net.URI uri = java.net.URI.create(url);
            return new RedisServer(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379, null, List.of());
        }
        return startNew();
    }

    /** A new local redis-server process that this test owns (to stop, pause or kill). */
    public static RedisServer startNew(String... extraArgs) throws IOException {
        return startNew(RedisServer::freePort, null, extraArgs);
    }

    /**
     * A new local Redis Cluster node ({@code --cluster-enabled yes} plus {@code extraArgs}), in its own
     * directory so that its {@code nodes.conf} is its own. Redis 6.2 puts the cluster bus on port + 10000,
     * so the port is chosen with that one free too.
     */
    public static RedisServer startClusterNode(String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"));
        args.addAll(List.of(extraArgs));
        return startNew(RedisServer::freePortWithBus, null, args.toArray(new String[0]));
    }

    /**
     * A new local redis-server started from a config file holding {@code configText}, written into the
     * server's own directory (a sentinel needs a file it can rewrite), followed by {@code extraArgs}.
     */
    public static RedisServer startWithConfigFile(String configText, String... extraArgs) throws IOException {
        return startNew(RedisServer::freePort, configText, extraArgs);
    }

    private interface PortChooser {
        int choose() throws IOException;
    }

    private static RedisServer startNew(PortChooser ports, String configText, String... extraArgs)
            throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Path dir = Files.createTempDirectory(Files.createDirectories(WORK), "redis-");
            Path configFile = null;
            if (configText != null) {
                configFile = dir.resolve("redis.conf").toAbsolutePath();
                Files.writeString(configFile, configText);
            }
            RedisServer server = new RedisServer("127.0.0.1", ports.choose(), dir, List.of(extraArgs), configFile);
            try {
                server.start();
                return server;
            } catch (IOException e) {
                last = e; // most likely the port was taken between choosing and binding it
                server.close();
            }
        }
        throw last;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A free port below 55536 whose port + 10000 (the cluster bus) is free as well. */
    static int freePortWithBus() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20000 + random.nextInt(12000); // below the usual ephemeral range, so bus ports stay clear of it
            try (ServerSocket a = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 ServerSocket b = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException e) {
                // taken; try another
            }
        }
        throw new IOException("no free port pair (port, port + 10000) on loopback");
    }

    /** Starts (or restarts, on the same port) the process; returns when it answers PING. */
    public synchronized void start() throws IOException {
        if (dir == null) {
            throw new IllegalStateException("REDIS_URL names an external Redis; tests cannot start it");
        }
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        if (configFile != null) {
            cmd.add(configFile.toString()); // redis-server reads a config file only as its first argument
        }
        cmd.addAll(List.of("--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("redis.log")));
            }
            try (Resp r = new Resp(host, port, Duration.ofMillis(500))) {
                if ("PONG".equals(r.call("PING"))) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // not up yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting redis-server", e);
            }
        }
        close();
        throw new IOException("redis-server did not answer PING within " + START_TIMEOUT);
    }

    /** Stops the process (SIGTERM, then SIGKILL) and waits for it; a later {@link #start()} brings it back empty. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        resume();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** SIGKILL: Redis vanishes mid-flight, as in a crash. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** SIGSTOP: Redis hangs, connections stay open and nothing answers. */
    public synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        try {
            signal("CONT");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String url() {
        return "redis://" + host + ":" + port;
    }

    /** The process id while running, else -1. */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** A new connection for inspecting what is stored; close it. */
    public Resp connect() throws IOException {
        return new Resp(host, port, Duration.ofSeconds(5));
    }

    /** How many clients are connected, not counting the connection that asks (CLIENT LIST). */
    public long otherClients() throws IOException {
        try (Resp resp = connect()) {
            String list = String.valueOf(resp.call("CLIENT", "LIST"));
            return java.util.Arrays.stream(list.split("\n")).filter(l -> !l.isBlank()).count() - 1;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** redis-server on PATH, else the embedded-redis binary extracted under target/. */
    static synchronized Path binary() throws IOException {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Paths.get(dir, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        String resource = embeddedBinaryName();
        Path target = WORK.resolve("bin").resolve(resource);
        if (Files.isExecutable(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no redis-server on PATH and no " + resource
                        + " in com.github.codemonstur:embedded-redis on the test classpath");
            }
            Path tmp = Files.createTempFile(target.getParent(), "redis-server", ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (!tmp.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + tmp + " executable");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }

    private static String embeddedBinaryName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("mac")) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("linux")) {
            return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        }
        throw new IllegalStateException("no embedded redis-server for " + os + "/" + arch
                + "; install redis-server or set REDIS_URL");
    }
}
