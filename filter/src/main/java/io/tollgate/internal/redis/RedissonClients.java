package io.tollgate.internal.redis;

import io.tollgate.internal.config.ConfigResource;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;

import jakarta.servlet.ServletContext;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;
import org.redisson.connection.ServiceManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The Redisson clients of one webapp. Filters with the same connection settings share one client,
 * counted by reference and shut down when the last of them is destroyed. A client the host provides — the
 * application's, in the {@value #REDISSON_ATTRIBUTE} context attribute, or the server's, named by
 * {@code redissonJndiName} — is used as it is: never shut down, never reconfigured, and its codec never
 * relied on (every Tollgate call names its own codec).
 */
public final class RedissonClients {

    /** ServletContext attribute through which the application lends its own RedissonClient. */
    public static final String REDISSON_ATTRIBUTE = "io.tollgate.redisson";

    private static final Logger LOG = LoggerFactory.getLogger(RedissonClients.class);
    /** How long a webapp's stop waits for its own client's shutdown (Redisson's own timeouts: 5 s). */
    static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(10);
    private static final String REGISTRY_ATTRIBUTE = "io.tollgate.internal.clients";
    private static final String[] SERVER_SECTIONS = {"singleServerConfig", "clusterServersConfig",
        "sentinelServersConfig", "replicatedServersConfig", "masterSlaveServersConfig"};

    /** A filter's use of a client; {@link #close()} gives it back. */
    public interface Lease extends AutoCloseable {
        RedissonClient client();

        /** Where the client comes from, for the start-up line: {@code JNDI [name] (the host's client)}. */
        String source();

        @Override
        void close();
    }

    private static final class Shared {
        final RedissonClient client;
        int users;

        Shared(RedissonClient client) {
            this.client = client;
        }
    }

    private RedissonClients() {
    }

    /**
     * The client for these settings. Creating one never connects (lazy initialisation), so a Redis that
     * is down does not stop the webapp from deploying.
     *
     * @throws IllegalArgumentException when the {@code redissonConfig} file cannot be read or parsed
     */
    public static Lease acquire(ServletContext context, SharedSettings settings) {
        Object lent = context.getAttribute(REDISSON_ATTRIBUTE);
        List<String> sources = new ArrayList<>(settings.clientSources());
        if (lent != null) {
            sources.add(0, "context attribute [" + REDISSON_ATTRIBUTE + "]");
        }
        boolean hostClient = lent != null || settings.redissonJndiName() != null;
        if (hostClient && sources.size() > 1) {
            throw new InvalidSettingException("Tollgate was given several Redis clients: " + String.join(", ", sources)
                    + ". Keep exactly one: a client the host provides (the context attribute or redissonJndiName)"
                    + " is used as it is, so redisAddress and redissonConfig cannot apply to it");
        }
        if (lent != null) {
            RedissonClient client = client(lent, "context attribute [" + REDISSON_ATTRIBUTE + "]");
            rehomeThreads(client, Thread.currentThread().getContextClassLoader());
            return hostLease(client, "context attribute [" + REDISSON_ATTRIBUTE + "] (the application's client)");
        }
        if (settings.redissonJndiName() != null) {
            String name = settings.redissonJndiName();
            RedissonClient client = client(lookup(name), "JNDI name [" + name + "]");
            rehomeThreads(client, Thread.currentThread().getContextClassLoader());
            return hostLease(client, "JNDI [" + name + "] (the host's client)");
        }
        Map<String, Shared> registry = registry(context);
        String signature = settings.clientSignature();
        Shared shared;
        synchronized (registry) {
            shared = registry.get(signature);
            if (shared == null) {
                Config config = config(context, settings);
                rehearseShutdown(config, settings.backendTimeout());
                shared = new Shared(ContainerThreads.call(() -> Redisson.create(config)));
                registry.put(signature, shared);
            }
            shared.users++;
        }
        Shared mine = shared;
        String source = "Tollgate's own (" + (settings.redissonConfig() != null
                ? "redissonConfig " + settings.redissonConfig() : "redisAddress "
                + io.tollgate.internal.config.UriPasswords.mask(settings.redisAddress())) + ")";
        return new Lease() {
            private boolean closed;

            @Override
            public RedissonClient client() {
                return mine.client;
            }

            @Override
            public String source() {
                return source;
            }

            @Override
            public void close() {
                boolean last;
                synchronized (registry) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    last = --mine.users == 0;
                    if (last) {
                        registry.remove(signature);
                    }
                }
                if (last) {
                    ContainerThreads.call(() -> {
                        shutdown(mine.client);
                        return null;
                    });
                    awaitThreadsGone(Thread.currentThread().getContextClassLoader());
                }
            }
        };
    }

    /** A lease on a client the host provides: closing it leaves the client as it is. */
    private static Lease hostLease(RedissonClient client, String source) {
        return new Lease() {
            @Override
            public RedissonClient client() {
                return client;
            }

            @Override
            public String source() {
                return source;
            }

            @Override
            public void close() {
                // the host's client: its owner shuts it down
            }
        };
    }

    private static RedissonClient client(Object found, String where) {
        if (found instanceof RedissonClient) {
            return (RedissonClient) found;
        }
        String loaders = "";
        if (found != null && found.getClass().getName().startsWith("org.redisson.")) {
            // the usual cause: the webapp carries its own Redisson jars beside the server's
            loaders = " from another class loader (" + found.getClass().getClassLoader() + "; Tollgate's Redisson: "
                    + RedissonClient.class.getClassLoader() + "): leave Redisson out of WEB-INF/lib when the"
                    + " server provides the client";
        }
        throw new InvalidSettingException(where + " holds " + (found == null ? "nothing"
                : "a " + found.getClass().getName()) + ", not an org.redisson.api.RedissonClient" + loaders);
    }

    /**
     * A server-held client's threads must not carry a webapp's class loader: they would pin it after an
     * undeploy, and the container would report them as threads the webapp failed to stop. Redisson creates
     * its threads lazily, on the thread that first needs one, which here is a webapp's (the first lookup
     * builds the client; a request may start an event loop). So the client's threads are all started now
     * with the class loader of Redisson itself, and those already started with this webapp's get that one
     * instead. Nothing to do for a client whose Redisson classes are the webapp's own.
     */
    static void rehomeThreads(RedissonClient client, ClassLoader webapp) {
        ClassLoader server = client.getClass().getClassLoader();
        if (webapp == null || server == webapp || !(client instanceof Redisson)) {
            return;
        }
        ServiceManager threads = ((Redisson) client).getServiceManager();
        Thread current = Thread.currentThread();
        current.setContextClassLoader(server);
        try {
            for (io.netty.util.concurrent.EventExecutor loop : threads.getGroup()) {
                loop.execute(() -> Thread.currentThread().setContextClassLoader(server));
            }
            if (threads.getExecutor() instanceof java.util.concurrent.ThreadPoolExecutor) {
                ((java.util.concurrent.ThreadPoolExecutor) threads.getExecutor()).prestartAllCoreThreads();
            }
            threads.getTimer().start();
        } finally {
            current.setContextClassLoader(webapp);
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t != current && t.getContextClassLoader() == webapp && t.getName().startsWith("redisson")) {
                t.setContextClassLoader(server);
            }
        }
    }

    /** The object bound to {@code name}; a name without a scheme is looked up under {@code java:comp/env/}. */
    private static Object lookup(String name) {
        String full = name.contains(":") ? name : "java:comp/env/" + name;
        try {
            return new InitialContext().lookup(full);
        } catch (NamingException e) {
            throw new InvalidSettingException("JNDI name [" + full + "] could not be looked up: " + e
                    + " (Tomcat: a ResourceLink in the webapp's context.xml to a GlobalNamingResources entry;"
                    + " Jetty: a Resource in jetty-env.xml)", e);
        }
    }

    /**
     * Loads, while the webapp's jars can still be read, the classes Redisson's shutdown needs: a client made
     * with the same settings, connected and shut down at once. Without it, an exploded webapp whose folder
     * is deleted (the container then undeploys it) fails its shutdown on the first class not loaded yet,
     * leaving the client's threads and connections behind. Its response timeout is at most
     * {@code backendTimeout}, so a hung Redis holds the deploy no longer. A Redis that is down makes the rehearsal partial:
     * {@link #shutdown} still stops the threads.
     */
    private static void rehearseShutdown(Config config, Duration backendTimeout) {
        Editable rehearsal = new Editable(config);
        rehearsal.setLazyInitialization(false);
        // against a Redis that answers nothing the rehearsal's connect waits its response timeout (maxWait):
        // the deploy waits only backendTimeout
        BaseConfig<?> servers = rehearsal.servers();
        if (servers != null && servers.getTimeout() > backendTimeout.toMillis()) {
            servers.setTimeout((int) backendTimeout.toMillis());
        }
        ContainerThreads.call(() -> {
            RedissonClient client;
            try {
                client = Redisson.create(rehearsal);
            } catch (RuntimeException e) {
                return null; // Redis is down: what the failed connection loaded has to do
            }
            shutdown(client);
            return null;
        });
    }

    /**
     * Shuts the client down, waiting at most {@link #SHUTDOWN_BOUND}: see {@link #shutdown(RedissonClient,
     * Duration)}.
     */
    static void shutdown(RedissonClient client) {
        shutdown(client, SHUTDOWN_BOUND);
    }

    /**
     * Shuts the client down on a thread of its own and waits at most {@code bound} for it; if the shutdown
     * fails (a class it needs can no longer be loaded), stops its threads directly, so that none outlives the
     * webapp and its connections close with its event loops. Redisson's shutdown waits without a bound for
     * its Netty threads to end, and one may never return: before 3.37 a write that fails at once (Redis
     * killed) can make a Netty thread spin forever in {@code CommandsQueue.write} (Redisson #6153). The
     * webapp then still stops, after {@code bound}, with a WARN; that thread stays until the JVM ends.
     *
     * @return whether the shutdown ended within {@code bound}
     */
    static boolean shutdown(RedissonClient client, Duration bound) {
        Thread stopping = new Thread(() -> {
            try {
                client.shutdown(0, 5, TimeUnit.SECONDS);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Tollgate Redis client shutdown failed ({}); stopping its threads directly", e.toString());
                stopThreads(client);
            }
        }, "tollgate-redis-shutdown");
        stopping.setDaemon(true);
        stopping.start();
        try {
            stopping.join(bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopping.isAlive()) {
            LOG.warn("Tollgate Redis client shutdown did not end within {} ms: one of its Netty threads does not"
                    + " return (Redisson {}; before 3.37 a failed write can make one spin forever, Redisson #6153);"
                    + " going on without it, its threads stay until the JVM ends", bound.toMillis(),
                    RedissonVersions.VERSION);
            return false;
        }
        return true;
    }

    /** Stops the client's timer, executor and event loops (closing its connections) without its shutdown. */
    static void stopThreads(RedissonClient client) {
        if (client instanceof Redisson) {
            ServiceManager threads = ((Redisson) client).getServiceManager();
            threads.getTimer().stop();
            threads.getExecutor().shutdownNow();
            threads.getGroup().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Redisson's shutdown returns when its thread pools are terminated, a moment before their threads are
     * gone. Waits for Netty's global executor thread to end (at most 2 s) and for the client's threads —
     * named {@code redisson-*}, and carrying this webapp's class loader, which they inherited from the
     * request thread that first used the client — (at most a second more), so that none is alive when the
     * container checks the undeployed webapp for leaks.
     */
    static void awaitThreadsGone(ClassLoader webapp) {
        if (webapp == null || webapp == ClassLoader.getSystemClassLoader()) {
            return; // not an isolated webapp (an embedded server on the application's class path): nothing can leak
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            // Netty's global executor thread ends a second after its last task; it only matters when it is
            // this webapp's (Netty in WEB-INF/lib), not a copy shared by the container
            if (io.netty.util.concurrent.GlobalEventExecutor.class.getClassLoader() == webapp) {
                io.netty.util.concurrent.GlobalEventExecutor.INSTANCE.awaitInactivity(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (IllegalStateException e) {
            // never started: nothing to wait for
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("redisson-") && t.getContextClassLoader() == webapp && t != Thread.currentThread()) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Shared> registry(ServletContext context) {
        synchronized (context) {
            Object existing = context.getAttribute(REGISTRY_ATTRIBUTE);
            if (existing instanceof Map) {
                return (Map<String, Shared>) existing;
            }
            Map<String, Shared> registry = new HashMap<>();
            context.setAttribute(REGISTRY_ATTRIBUTE, registry);
            return registry;
        }
    }

    /**
     * Tollgate's client settings: a response timeout of {@code maxWait} (a late answer is still waited for
     * while Redis is up, so the client must not drop it at {@code backendTimeout}), no retries (a retried
     * acquisition could take two permits), lazy initialisation and a small pool (see {@code leanPool}). A
     * {@code redissonConfig} file keeps whatever it sets itself.
     */
    public static Config config(ServletContext context, SharedSettings settings) {
        int timeout = (int) settings.maxWait().toMillis();
        // Redisson connects on the caller's thread: a longer connect timeout would hold a request past backendTimeout
        int connectTimeout = (int) settings.backendTimeout().toMillis();
        if (settings.redissonConfig() == null) {
            Config config = new Config();
            config.setLazyInitialization(true);
            SingleServerConfig single = config.useSingleServer()
                    .setAddress(settings.redisAddress())
                    .setDatabase(settings.database())
                    .setTimeout(timeout)
                    .setConnectTimeout(connectTimeout)
                    .setRetryAttempts(0);
            leanPool(config, single, Collections.emptySet(), Collections.emptySet());
            return config;
        }
        String yaml = ConfigResource.read(context, settings.redissonConfig());
        Set<String> top = new HashSet<>();
        Set<String> server = new HashSet<>();
        readKeys(yaml, top, server);
        Config parsed;
        try {
            parsed = Config.fromYAML(yaml);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not a Redisson YAML config: " + e.getMessage(), e);
        }
        Editable config = new Editable(parsed);
        if (!top.contains("lazyInitialization")) {
            config.setLazyInitialization(true);
        }
        BaseConfig<?> servers = config.servers();
        if (servers == null) {
            throw new IllegalArgumentException("names no servers (singleServerConfig, clusterServersConfig,"
                    + " sentinelServersConfig, replicatedServersConfig or masterSlaveServersConfig)");
        }
        if (!server.contains("timeout")) {
            servers.setTimeout(timeout);
        }
        if (!server.contains("retryAttempts")) {
            servers.setRetryAttempts(0);
        }
        if (!server.contains("connectTimeout")) {
            servers.setConnectTimeout(connectTimeout);
        }
        leanPool(config, servers, top, server);
        return config;
    }

    /** Connections per Redis node that Tollgate's own client opens at start-up and keeps while idle. */
    static final int MINIMUM_IDLE = 2;
    /** Redisson's I/O threads ({@code nettyThreads}) of Tollgate's own client. */
    static final int NETTY_THREADS = 4;
    /** Redisson's worker threads ({@code threads}) of Tollgate's own client. */
    static final int WORKER_THREADS = 2;

    /**
     * The small pool of Tollgate's own client, wherever the user's YAML does not size it: {@value #MINIMUM_IDLE}
     * connections per node at start-up and while idle, none kept for pub/sub (only a replay-mode wait
     * subscribes, and opens its connection then), {@value #NETTY_THREADS} I/O and {@value #WORKER_THREADS}
     * worker threads whatever the core count. Redisson's defaults (24 idle connections and 1 for pub/sub,
     * 32 + 16 threads) are sized for an application, and twenty webapps on one server each kept them.
     *
     * <p>The pool's maximum stays Redisson's (64): a
     * burst opens more connections asynchronously, and they close again after {@code idleConnectionTimeout}.
     * Below 10 Redisson shares a connection between the commands in flight (it gives it back once a command
     * is written), and takes the most recently given back first: one slow or black-holed connection then
     * delays nearly every call past {@code backendTimeout}, where with 10 or more it delays only the command
     * it carries. A small minimum also lets start-up succeed while some new connections are slow: Redisson
     * opens the minimum one after another and fails the whole start if they are not all up within {@code
     * connectTimeout} each; with two, a trial a second soon meets two healthy ones (docs/deployment.md,
     * "Redis connections").
     */
    private static void leanPool(Config config, BaseConfig<?> servers, Set<String> top, Set<String> server) {
        if (!top.contains("threads")) {
            config.setThreads(WORKER_THREADS);
        }
        if (!top.contains("nettyThreads")) {
            config.setNettyThreads(NETTY_THREADS);
        }
        if (servers instanceof SingleServerConfig) {
            SingleServerConfig single = (SingleServerConfig) servers;
            if (!server.contains("connectionMinimumIdleSize")) {
                single.setConnectionMinimumIdleSize(Math.min(MINIMUM_IDLE, single.getConnectionPoolSize()));
            }
            if (!server.contains("subscriptionConnectionMinimumIdleSize")) {
                single.setSubscriptionConnectionMinimumIdleSize(0);
            }
        } else if (servers instanceof BaseMasterSlaveServersConfig) {
            BaseMasterSlaveServersConfig<?> nodes = (BaseMasterSlaveServersConfig<?>) servers;
            if (!server.contains("masterConnectionMinimumIdleSize")) {
                nodes.setMasterConnectionMinimumIdleSize(Math.min(MINIMUM_IDLE, nodes.getMasterConnectionPoolSize()));
            }
            if (!server.contains("slaveConnectionMinimumIdleSize")) {
                nodes.setSlaveConnectionMinimumIdleSize(Math.min(MINIMUM_IDLE, nodes.getSlaveConnectionPoolSize()));
            }
            if (!server.contains("subscriptionConnectionMinimumIdleSize")) {
                nodes.setSubscriptionConnectionMinimumIdleSize(0);
            }
        }
    }

    /** The keys the YAML sets at top level and in its servers section, without building any object. */
    private static void readKeys(String yaml, Set<String> top, Set<String> server) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not valid YAML: " + e.getMessage(), e);
        }
        if (!(root instanceof MappingNode)) {
            throw new IllegalArgumentException("is not a Redisson YAML config (no mapping at top level)");
        }
        for (NodeTuple tuple : ((MappingNode) root).getValue()) {
            String key = scalar(tuple.getKeyNode());
            top.add(key);
            for (String section : SERVER_SECTIONS) {
                if (section.equals(key) && tuple.getValueNode() instanceof MappingNode) {
                    for (NodeTuple inner : ((MappingNode) tuple.getValueNode()).getValue()) {
                        server.add(scalar(inner.getKeyNode()));
                    }
                }
            }
        }
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode ? ((ScalarNode) node).getValue() : "";
    }

    /** Reaches the servers section Redisson's Config keeps protected. */
    private static final class Editable extends Config {
        Editable(Config config) {
            super(config);
        }

        BaseConfig<?> servers() {
            if (getSingleServerConfig() != null) {
                return getSingleServerConfig();
            }
            if (getClusterServersConfig() != null) {
                return getClusterServersConfig();
            }
            if (getSentinelServersConfig() != null) {
                return getSentinelServersConfig();
            }
            if (getReplicatedServersConfig() != null) {
                return getReplicatedServersConfig();
            }
            return getMasterSlaveServersConfig();
        }
    }
}
