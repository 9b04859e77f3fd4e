package dev.offpool.jmx;

import dev.offpool.OffPool;
import dev.offpool.spi.RedirectSource;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.Objects;

/**
 * Registers an allocator's JMX beans: its {@link AllocatorMXBean} as {@code dev.offpool:type=Allocator,name=<name>}
 * and a {@link BufferPoolMXBean} as {@code java.nio:type=BufferPool,name=offpool} (the global allocator) or
 * {@code name=offpool-<name>} (any other), beside the JDK's {@code direct} and {@code mapped} pools.
 *
 * {@snippet :
 * try (OffPool pool = OffPool.builder().name("cache").build();
 *      OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
 *     // jconsole shows dev.offpool:type=Allocator,name=cache and java.nio:type=BufferPool,name=offpool-cache
 * }                                  // beans unregistered first, then the allocator closed
 * }
 *
 * <p>The offpool agent registers the global allocator's beans; an application registers those of the allocators it
 * builds, when it wants them. Nothing is registered otherwise.
 */
public final class OffPoolMBeans {
    /** The JMX domain of offpool's own beans. */
    public static final String DOMAIN = "dev.offpool";
    /** The buffer-pool name of the global allocator. */
    public static final String GLOBAL_BUFFER_POOL_NAME = "offpool";

    private OffPoolMBeans() {
    }

    /**
     * {@return the object name of an allocator's {@link AllocatorMXBean}:
     * {@code dev.offpool:type=Allocator,name=<name>}}
     *
     * @param pool the allocator
     */
    public static ObjectName allocatorName(OffPool pool) {
        return objectName(DOMAIN + ":type=Allocator,name=" + pool.name());
    }

    /**
     * {@return the object name of an allocator's buffer-pool bean: {@code java.nio:type=BufferPool,name=offpool} for
     * the global allocator, {@code name=offpool-<name>} for any other}
     *
     * @param pool the allocator
     */
    public static ObjectName bufferPoolName(OffPool pool) {
        // Only the global allocator has the global name: the builder refuses it.
        String name = pool.name().equals(OffPool.GLOBAL_NAME) ? GLOBAL_BUFFER_POOL_NAME
                : GLOBAL_BUFFER_POOL_NAME + "-" + pool.name();
        // Keys in the order the platform server keeps the JDK's own pools in (name first), so that exporters that
        // name metrics by the key order (Prometheus' JMX exporter) give offpool the shape of direct and mapped.
        return objectName("java.nio:name=" + name + ",type=BufferPool");
    }

    /**
     * Registers {@code pool}'s two beans with the platform MBean server.
     *
     * @param pool the allocator
     * @return the registration: close it to unregister both
     * @throws NullPointerException  if {@code pool} is null
     * @throws IllegalStateException if a bean of either name is already registered (another allocator of the same
     *                               name, or this one registered twice); nothing is registered then
     */
    public static Registration register(OffPool pool) {
        return register(pool, ManagementFactory.getPlatformMBeanServer());
    }

    /**
     * Registers {@code pool}'s two beans with {@code server}.
     *
     * @param pool   the allocator
     * @param server where to register them
     * @return the registration: close it to unregister both
     * @throws NullPointerException  if an argument is null
     * @throws IllegalStateException if a bean of either name is already registered; nothing is registered then
     */
    public static Registration register(OffPool pool, MBeanServer server) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(server, "server");
        ObjectName allocator = allocatorName(pool);
        ObjectName bufferPool = bufferPoolName(pool);
        // Each bean is a StandardMBean that is its own implementation (DescribedMBean), so isInstanceOf and the
        // JDK's platform proxies still see the MXBean interface it implements.
        registerBean(server, new AllocatorBean(pool), allocator);
        try {
            registerBean(server, new BufferPoolBean(pool, bufferPool), bufferPool);
        } catch (RuntimeException e) {
            unregister(server, allocator);
            throw e;
        }
        return new Registration(server, allocator, bufferPool);
    }

    /**
     * Registers the offpool agent's bean, {@code dev.offpool:type=Agent}, over {@code source} with the platform MBean
     * server. The agent calls this once it runs (JFR's agent events are fed by {@link RedirectSource#publish}).
     *
     * @param source the agent's counters
     * @return the registration: close it to unregister the bean
     * @throws NullPointerException  if {@code source} is null
     * @throws IllegalStateException if an agent bean is already registered
     */
    public static AgentRegistration registerAgent(RedirectSource source) {
        Objects.requireNonNull(source, "source");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = agentName();
        registerBean(server, new AgentBean(source), name);
        return new AgentRegistration(server, name);
    }

    /** {@return the object name of the agent's bean: {@code dev.offpool:type=Agent}} */
    public static ObjectName agentName() {
        return objectName(DOMAIN + ":type=Agent");
    }

    /** The agent's bean; {@link #close()} unregisters it. */
    public static final class AgentRegistration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName objectName;
        private boolean closed;

        private AgentRegistration(MBeanServer server, ObjectName objectName) {
            this.server = server;
            this.objectName = objectName;
        }

        /** {@return the name the {@link AgentMXBean} is registered under} */
        public ObjectName objectName() {
            return objectName;
        }

        /** Unregisters the bean; later calls do nothing. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            unregister(server, objectName);
        }
    }

    /** Both beans of one allocator in one server; {@link #close()} unregisters them. */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName allocatorBean;
        private final ObjectName bufferPoolBean;
        private boolean closed;

        private Registration(MBeanServer server, ObjectName allocatorBean, ObjectName bufferPoolBean) {
            this.server = server;
            this.allocatorBean = allocatorBean;
            this.bufferPoolBean = bufferPoolBean;
        }

        /** {@return the name the {@link AllocatorMXBean} is registered under} */
        public ObjectName allocatorBean() {
            return allocatorBean;
        }

        /** {@return the name the {@link BufferPoolMXBean} is registered under} */
        public ObjectName bufferPoolBean() {
            return bufferPoolBean;
        }

        /** Unregisters both beans; later calls do nothing. A bean someone else already unregistered is skipped. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            unregister(server, allocatorBean);
            unregister(server, bufferPoolBean);
        }
    }

    private static void registerBean(MBeanServer server, Object bean, ObjectName name) {
        try {
            server.registerMBean(bean, name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("a bean named " + name + " is already registered (another allocator of "
                    + "the same name, or this one registered twice)", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name + ": " + e.getMessage(), e);
        }
    }

    private static void unregister(MBeanServer server, ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException alreadyGone) {
            // unregistered by someone else: nothing left to do
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister " + name + ": " + e.getMessage(), e);
        }
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException("allocator names are checked to make valid object names: " + name, e);
        }
    }
}
