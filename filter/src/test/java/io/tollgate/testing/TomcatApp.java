package io.tollgate.testing;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.nio.file.Path;
import java.util.Map;

/**
 * Embedded Tomcat: 11, or the release the test classpath holds instead (the filter pom's tomcat-10.1 run), which
 * must be the one {@code tollgate.test.tomcatVersion} names (so a run never passes on the wrong Tomcat).
 */
final class TomcatApp extends TestApp {

    private final Builder spec;
    private Tomcat tomcat;
    private Connector v4;
    private Connector v6;

    TomcatApp(Builder spec) {
        this.spec = spec;
    }

    @Override
    void doStart() throws Exception {
        String expected = System.getProperty("tollgate.test.tomcatVersion");
        String running = org.apache.catalina.util.ServerInfo.getServerInfo();
        if (expected != null && !running.equals("Apache Tomcat/" + expected)) {
            throw new IllegalStateException("the tests were to run on Tomcat " + expected + ", not " + running);
        }
        Path base = newWorkDir("tomcat-");
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        v4 = tomcat.getConnector();
        v4.setProperty("address", "127.0.0.1");
        v6 = new Connector();
        v6.setPort(0);
        v6.setProperty("address", "::1");
        tomcat.getService().addConnector(v6);
        for (Connector c : new Connector[] {v4, v6}) {
            // room for the huge headers some tests send back (Tomcat's default is 8 KB)
            c.setProperty("maxHttpResponseHeaderSize", Integer.toString(256 * 1024));
        }
        if (spec.maxThreads > 0) {
            for (Connector c : new Connector[] {v4, v6}) {
                c.setProperty("maxThreads", Integer.toString(spec.maxThreads));
                c.setProperty("minSpareThreads", "1");
            }
        }
        Context context = tomcat.addContext("", base.toAbsolutePath().toString());
        spec.contextParams.forEach(context::addParameter);
        Map<String, Object> attributes = spec.contextAttributes;
        context.addServletContainerInitializer((classes, servletContext) -> attributes.forEach(servletContext::setAttribute),
                null);
        for (FilterSpec f : spec.filters) {
            FilterDef def = new FilterDef();
            def.setFilterName(f.name);
            def.setFilterClass(f.type.getName());
            def.setAsyncSupported("true");
            f.initParams.forEach(def::addInitParameter);
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName(f.name);
            map.addURLPattern(f.urlPattern);
            f.dispatchers.forEach(d -> map.setDispatcher(d.name()));
            context.addFilterMap(map);
            for (String pattern : f.moreUrlPatterns) {
                FilterMap more = new FilterMap();
                more.setFilterName(f.name);
                more.addURLPattern(pattern);
                f.dispatchers.forEach(d -> more.setDispatcher(d.name()));
                context.addFilterMap(more);
            }
            for (String servletName : f.servletNames) {
                FilterMap more = new FilterMap();
                more.setFilterName(f.name);
                more.addServletName(servletName);
                f.dispatchers.forEach(d -> more.setDispatcher(d.name()));
                context.addFilterMap(more);
            }
        }
        spec.errorPages.forEach((status, location) -> {
            org.apache.tomcat.util.descriptor.web.ErrorPage page = new org.apache.tomcat.util.descriptor.web.ErrorPage();
            page.setErrorCode(status);
            page.setLocation(location);
            context.addErrorPage(page);
        });
        int i = 0;
        for (Map.Entry<String, jakarta.servlet.http.HttpServlet> e : spec.servlets.entrySet()) {
            String name = "servlet" + (i++);
            Wrapper wrapper = Tomcat.addServlet(context, name, e.getValue());
            wrapper.setAsyncSupported(true);
            context.addServletMappingDecoded(e.getKey(), name);
        }
        try (StartupErrors errors = new StartupErrors()) {
            tomcat.start();
            if (context.getState() != LifecycleState.STARTED) {
                throw new StartupFailure(errors.firstReason("context did not start"), errors.first());
            }
        }
    }

    @Override
    public int port() {
        return v4.getLocalPort();
    }

    @Override
    public int portV6() {
        return v6.getLocalPort();
    }

    @Override
    public void close() {
        if (tomcat != null) {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (LifecycleException e) {
                throw new IllegalStateException("Tomcat did not stop", e);
            }
        }
    }
}
