package io.tollgate.demo.containers;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import io.tollgate.testing.StartupErrors;
import org.apache.catalina.startup.Tomcat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Deploys a WAR in embedded Tomcat, in a JVM of its own (so Tomcat 9, 10.1 and 11 can each be tested
 * with their own jars), on a free loopback port. Runs until its standard input closes.
 *
 * <p>Arguments: the WAR, a work directory, a file to write {@code PORT <n>} or
 * {@code FAILED <reason>} into once the deployment is done, and optionally the context path. Only the API common to Tomcat 9 to 11 is
 * used, so one compiled class serves all three. Its classpath: that Tomcat's jars, the demo's test
 * classes and the filter's test classes (for {@link StartupErrors}).
 */
public final class TomcatMain {

    private TomcatMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 3 && args[3].equals("standalone")) {
            standalone(Paths.get(args[1]), Paths.get(args[2]), args.length > 4 ? args[4] : null);
            return;
        }
        Path war = Paths.get(args[0]);
        Path work = Paths.get(args[1]);
        Path status = Paths.get(args[2]);
        String contextPath = args.length > 3 ? args[3] : ""; // "": the root
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.toAbsolutePath().toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.getHost().setAppBase(Files.createDirectories(work.resolve("webapps")).toString());
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP engine here: the WAR's web.xml is all there is
        String answer;
        try (StartupErrors errors = new StartupErrors()) {
            Context context = tomcat.addWebapp(contextPath, war.toAbsolutePath().toString());
            if (!contextPath.isEmpty()) {
                // a page deployed under its own path is loaded in a browser: static files are served too
                Tomcat.addServlet(context, "default", "org.apache.catalina.servlets.DefaultServlet");
                context.addServletMappingDecoded("/", "default");
            }
            tomcat.start();
            answer = context.getState() == LifecycleState.STARTED ? "PORT " + tomcat.getConnector().getLocalPort()
                    : "FAILED " + errors.firstReason("context did not start");
        }
        Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
        Files.write(tmp, answer.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, status);
        // run until the test closes our standard input
        while (System.in.read() >= 0) {
            // nothing to read; waiting for EOF
        }
        tomcat.stop();
        tomcat.destroy();
        System.exit(0);
    }

    /**
     * Tomcat as its distribution runs: webapps deployed by the host from {@code WORK/webapps} (autoDeploy,
     * so a deleted folder is undeployed), checked every second instead of every ten. Writes
     * {@code PORT <n>} once started and {@code STATUS.removed} once a webapp has been undeployed. On EOF
     * of its standard input it stops Tomcat and returns: the JVM then exits only if nothing else runs,
     * as with {@code shutdown.sh}.
     */
    private static void standalone(Path work, Path status, String redissonYaml) throws Exception {
        Tomcat tomcat = new Tomcat();
        if (redissonYaml != null) {
            // server.xml's <GlobalNamingResources><Resource name="redisson/shared" auth="Container"
            //   type="org.redisson.api.RedissonClient" factory="org.redisson.JndiRedissonFactory"
            //   configPath="..." closeMethod="shutdown"/></GlobalNamingResources>, as docs/deployment.md shows
            tomcat.enableNaming();
            org.apache.tomcat.util.descriptor.web.ContextResource shared = new org.apache.tomcat.util.descriptor.web.ContextResource();
            shared.setName("redisson/shared");
            shared.setAuth("Container");
            shared.setType("org.redisson.api.RedissonClient");
            shared.setProperty("factory", "org.redisson.JndiRedissonFactory");
            shared.setProperty("configPath", redissonYaml);
            shared.setCloseMethod("shutdown");
            tomcat.getServer().getGlobalNamingResources().addResource(shared);
        }
        tomcat.setBaseDir(work.toAbsolutePath().toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        // the listeners of the distribution's server.xml (among other things, no JDK jar-URL caching, so the
        // webapp's jars are closed when unused, as in production)
        tomcat.getServer().addLifecycleListener(new org.apache.catalina.core.JreMemoryLeakPreventionListener());
        tomcat.getServer().addLifecycleListener(new org.apache.catalina.core.ThreadLocalLeakPreventionListener());
        org.apache.catalina.Host host = tomcat.getHost();
        host.setAppBase(work.resolve("webapps").toAbsolutePath().toString());
        host.setAutoDeploy(true);
        host.addLifecycleListener(new org.apache.catalina.startup.HostConfig());
        host.addContainerListener(event -> {
            if (org.apache.catalina.Container.REMOVE_CHILD_EVENT.equals(event.getType())) {
                Path removed = status.resolveSibling(status.getFileName() + ".removed");
                if (!Files.exists(removed)) { // the first undeploy; stopping Tomcat removes the others
                    write(removed, "REMOVED");
                }
            }
        });
        tomcat.getEngine().setBackgroundProcessorDelay(1);
        tomcat.start();
        write(status, "PORT " + tomcat.getConnector().getLocalPort());
        while (System.in.read() >= 0) {
            // nothing to read; waiting for EOF
        }
        tomcat.stop();
        tomcat.destroy();
    }

    private static void write(Path file, String text) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
