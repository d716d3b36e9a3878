package io.tollgate.internal.filter;

import jakarta.servlet.ServletContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** Registers a filter's MXBean under {@code io.tollgate:type=<filter class>,webapp=<context>,name=<filter-name>}. */
public final class Jmx {

    private static final Logger LOG = LoggerFactory.getLogger(Jmx.class);

    private Jmx() {
    }

    /** Registers the bean; returns its name (for {@link #unregister}), or null when JMX refused it (logged). */
    public static ObjectName register(Object bean, String type, ServletContext context, String filterName) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        String webapp = context == null || context.getContextPath() == null || context.getContextPath().isEmpty()
                ? "/" : context.getContextPath();
        String base = "io.tollgate:type=" + type + ",webapp=" + ObjectName.quote(webapp)
                + ",name=" + ObjectName.quote(filterName == null ? "" : filterName);
        try {
            for (int instance = 1; instance < 100; instance++) {
                ObjectName name = new ObjectName(instance == 1 ? base : base + ",instance=" + instance);
                try {
                    server.registerMBean(bean, name);
                    return name;
                } catch (InstanceAlreadyExistsException e) {
                    // the same webapp path deployed twice in this JVM (another host, a parallel redeploy)
                }
            }
        } catch (JMException | RuntimeException e) {
            LOG.warn("Tollgate could not register its MBean {}: {}", base, e.toString());
        }
        return null;
    }

    public static void unregister(ObjectName name) {
        if (name == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException e) {
            LOG.debug("MBean {} was already gone", name);
        }
    }
}
