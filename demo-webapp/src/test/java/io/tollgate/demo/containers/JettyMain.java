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
