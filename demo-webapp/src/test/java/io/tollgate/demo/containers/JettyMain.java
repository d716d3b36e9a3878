package io.tollgate.demo.containers;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Deploys a WAR in embedded Jetty 10 ({@code javax.servlet}) or Jetty 12 (ee10), in a JVM of its own with
 * only that Jetty's jars, the way {@link TomcatMain} does for Tomcat: same arguments, same status file,
 * runs until its standard input closes.
 *
 * <p>Jetty 10 and 12 keep the same embedding calls under different packages, so this class names them
 * by reflection: one compiled class serves both, and the test classpath needs neither.
 */
public final class JettyMain {

    private JettyMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 4 && args[3].equals("shared")) {
            shared(Paths.get(args[2]), Paths.get(args[4]), java.util.Arrays.copyOfRange(args, 5, args.length));
            return;
        }
        Path war = Paths.get(args[0]);
        Path status = Paths.get(args[2]);
        String webAppContext = classExists("org.eclipse.jetty.ee10.webapp.WebAppContext")
                ? "org.eclipse.jetty.ee10.webapp.WebAppContext" // Jetty 12
                : "org.eclipse.jetty.webapp.WebAppContext"; // Jetty 10
        Class<?> serverClass = Class.forName("org.eclipse.jetty.server.Server");
        Object server = serverClass.getConstructor(InetSocketAddress.class)
                .newInstance(new InetSocketAddress("127.0.0.1", 0));
        Object context = Class.forName(webAppContext).getConstructor().newInstance();
        call(context, "setContextPath", "/");
        call(context, "setWar", war.toAbsolutePath().toString());
        call(context, "setThrowUnavailableOnStartupException", true);
        call(server, "setHandler", context);
        String answer;
        try {
            call(server, "start");
            Object connector = ((Object[]) call(server, "getConnectors"))[0];
            answer = "PORT " + call(connector, "getLocalPort");
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            answer = "FAILED " + t.getMessage();
        }
        Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
        Files.write(tmp, answer.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, status);
        while (System.in.read() >= 0) {
            // nothing to read; waiting for EOF
        }
        call(server, "stop");
        System.exit(0);
    }

    /**
     * Jetty 12 with several webapps (folders, each at /NAME) and one RedissonClient the server makes from
     * {@code redissonYaml} (Redisson and its dependencies on the server's class path) and lends to each
     * webapp through the context attribute {@code io.tollgate.redisson}. Writes {@code PORT <n>}; a line
     * {@code undeploy NAME} on standard input stops and removes that webapp (then writes
     * {@code STATUS.removed}); on EOF it stops Jetty, shuts the client down and returns: the JVM exits only
     * if nothing else runs.
     */
    private static void shared(Path status, Path redissonYaml, String[] apps) throws Exception {
        Object config = Class.forName("org.redisson.config.Config").getMethod("fromYAML", java.io.File.class)
                .invoke(null, redissonYaml.toFile());
        Object client = Class.forName("org.redisson.Redisson").getMethod("create", config.getClass()).invoke(null, config);
        try {
            serveShared(status, client, apps);
        } finally {
            client.getClass().getMethod("shutdown").invoke(client);
        }
    }

    private static void serveShared(Path status, Object client, String[] apps) throws Exception {
        Class<?> serverClass = Class.forName("org.eclipse.jetty.server.Server");
        Object server = serverClass.getConstructor(InetSocketAddress.class)
                .newInstance(new InetSocketAddress("127.0.0.1", 0));
        Class<?> contextHandler = Class.forName("org.eclipse.jetty.server.handler.ContextHandler");
        Object contexts = Class.forName("org.eclipse.jetty.server.handler.ContextHandlerCollection")
                .getConstructor(java.lang.reflect.Array.newInstance(contextHandler, 0).getClass())
                .newInstance(java.lang.reflect.Array.newInstance(contextHandler, 0));
        java.util.Map<String, Object> deployed = new java.util.LinkedHashMap<>();
        for (String app : apps) {
            Path dir = Paths.get(app);
            Object context = Class.forName("org.eclipse.jetty.ee10.webapp.WebAppContext").getConstructor().newInstance();
            call(context, "setContextPath", "/" + dir.getFileName());
            call(context, "setWar", dir.toAbsolutePath().toString());
            call(context, "setThrowUnavailableOnStartupException", true);
            context.getClass().getMethod("setAttribute", String.class, Object.class)
                    .invoke(context, "io.tollgate.redisson", client);
            contexts.getClass().getMethod("addHandler", Class.forName("org.eclipse.jetty.server.Handler"))
                    .invoke(contexts, context);
            deployed.put(dir.getFileName().toString(), context);
        }
        call(server, "setHandler", contexts);
        call(server, "start");
        Object connector = ((Object[]) call(server, "getConnectors"))[0];
        Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
        Files.write(tmp, ("PORT " + call(connector, "getLocalPort")).getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, status);
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("undeploy ")) {
                Object context = deployed.remove(line.substring("undeploy ".length()));
                call(context, "stop");
                contexts.getClass().getMethod("removeHandler", Class.forName("org.eclipse.jetty.server.Handler"))
                        .invoke(contexts, context);
                Path removed = status.resolveSibling(status.getFileName() + ".removed");
                Files.write(removed, "REMOVED".getBytes(StandardCharsets.UTF_8));
            }
        }
        call(server, "stop");
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Calls the public one-or-no-argument method {@code name}, unwrapping the target's exception. */
    private static Object call(Object target, String name, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length
                    && (args.length == 0 || m.getParameterTypes()[0].isInstance(args[0])
                    || m.getParameterTypes()[0] == boolean.class && args[0] instanceof Boolean)) {
                try {
                    return m.invoke(target, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
                }
            }
        }
        throw new NoSuchMethodException(target.getClass().getName() + "." + name);
    }
}
