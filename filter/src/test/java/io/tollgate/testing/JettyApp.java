package io.tollgate.testing;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.util.EnumSet;
import java.util.Map;

/** Embedded Jetty 12 (ee10). */
final class JettyApp extends TestApp {

    private final Builder spec;
    private Server server;
    private ServerConnector v4;
    private ServerConnector v6;

    JettyApp(Builder spec) {
        this.spec = spec;
    }

    @Override
    void doStart() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("jetty-test");
        if (spec.maxThreads > 0) {
            // Jetty's pool also runs its acceptors and selectors; reserve none, so maxThreads request threads remain
            pool.setReservedThreads(0);
            pool.setMaxThreads(spec.maxThreads + 4);
            pool.setMinThreads(Math.min(pool.getMaxThreads(), 4));
        }
        server = new Server(pool);
        v4 = connector("127.0.0.1");
        v6 = connector("::1");
        ServletContextHandler context = new ServletContextHandler("/");
        spec.contextParams.forEach(context::setInitParameter);
        spec.contextAttributes.forEach(context::setAttribute);
        for (FilterSpec f : spec.filters) {
            FilterHolder holder = new FilterHolder(f.type);
            holder.setName(f.name);
            holder.setAsyncSupported(true);
            for (Map.Entry<String, String> e : f.initParams.entrySet()) {
                holder.setInitParameter(e.getKey(), e.getValue());
            }
            context.addFilter(holder, f.urlPattern, EnumSet.copyOf(f.dispatchers));
            for (String pattern : f.moreUrlPatterns) {
                context.addFilter(holder, pattern, EnumSet.copyOf(f.dispatchers));
            }
            for (String servletName : f.servletNames) {
                org.eclipse.jetty.ee10.servlet.FilterMapping mapping = new org.eclipse.jetty.ee10.servlet.FilterMapping();
                mapping.setFilterName(f.name);
                mapping.setServletName(servletName);
                mapping.setDispatcherTypes(EnumSet.copyOf(f.dispatchers));
                context.getServletHandler().addFilterMapping(mapping);
            }
        }
        int i = 0;
        for (Map.Entry<String, jakarta.servlet.http.HttpServlet> e : spec.servlets.entrySet()) {
            ServletHolder holder = new ServletHolder(e.getValue());
            holder.setName("servlet" + (i++)); // as TomcatApp names them (servlet-name filter mappings)
            holder.setAsyncSupported(true);
            context.addServlet(holder, e.getKey());
        }
        if (!spec.errorPages.isEmpty()) {
            org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler errors = new org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler();
            spec.errorPages.forEach(errors::addErrorPage);
            context.setErrorHandler(errors);
        }
        server.setHandler(context);
        server.start();
    }

    private ServerConnector connector(String host) {
        ServerConnector c = new ServerConnector(server, 1, 1);
        // room for the huge headers some tests send back (Jetty's default is 8 KB)
        c.getConnectionFactory(org.eclipse.jetty.server.HttpConnectionFactory.class).getHttpConfiguration()
                .setResponseHeaderSize(256 * 1024);
        c.setHost(host);
        c.setPort(0);
        server.addConnector(c);
        return c;
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
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("Jetty did not stop", e);
            }
        }
    }
}
