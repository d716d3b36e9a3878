package io.tollgate.demo.containers;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Deploys a WAR in embedded Tomcat, in a JVM of its own (so Tomcat 9, 10.1 and 11 can each be tested
 * with their own jars), on a free loopback port. Runs until its standard input closes.
 *
 * <p>Arguments: the WAR, a work directory, and a file to write {@code PORT <n>} or
 * {@code FAILED <reason>} into once the deployment is done. Only the API common to Tomcat 9 to 11 is
 * used, so one compiled class serves all three.
 */
public final class TomcatMain {

    private TomcatMain() {
    }

    public static void main(String[] args) throws Exception {
        Path war = Paths.get(args[0]);
        Path work = Paths.get(args[1]);
        Path status = Paths.get(args[2]);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.toAbsolutePath().toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.getHost().setAppBase(Files.createDirectories(work.resolve("webapps")).toString());
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP engine here: the WAR's web.xml is all there is
        List<Throwable> errors = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null) {
                    errors.add(record.getThrown());
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
        Context context = tomcat.addWebapp("", war.toAbsolutePath().toString());
        tomcat.start();
        Logger.getLogger("").removeHandler(capture);
        String answer;
        if (context.getState() == LifecycleState.STARTED) {
            answer = "PORT " + tomcat.getConnector().getLocalPort();
        } else {
            Throwable cause = errors.isEmpty() ? null : errors.get(0);
            while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            answer = "FAILED " + (cause == null ? "context did not start" : cause.getMessage());
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

    /** The classpath separator, for the test that builds our command line. */
    static String separator() {
        return File.pathSeparator;
    }
}
