package dev.offpool.jmx;

import javax.management.Descriptor;
import javax.management.ImmutableDescriptor;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.StandardMBean;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;

/**
 * An MXBean whose {@code MBeanInfo} carries the {@link Described} descriptions and units of its interface (or of the
 * subclass's own methods, for an interface offpool does not own such as {@code BufferPoolMXBean}), where a plain
 * MXBean repeats each attribute's name: what jconsole, VisualVM and JMX exporters show as help text.
 *
 * <p>The bean is its own implementation ({@link StandardMBean#StandardMBean(Class, boolean)} with {@code this}), so
 * the MBean server's {@code isInstanceOf} and the JDK's platform proxies
 * ({@code ManagementFactory.newPlatformMXBeanProxy}) still see the interface the subclass implements.
 */
abstract class DescribedMBean extends StandardMBean {
    private final Class<?> mbeanInterface;
    /** The info with units in its descriptors, built once on first use; StandardMBean caches the rest. */
    private volatile MBeanInfo described;

    /**
     * @param mbeanInterface the MXBean interface the subclass implements, every attribute and operation of which
     *                       carries {@link Described}
     */
    <T> DescribedMBean(Class<T> mbeanInterface) {
        super(mbeanInterface, true);
        this.mbeanInterface = mbeanInterface;
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanInfo info = described;
        if (info == null) {
            info = withUnits(super.getMBeanInfo());
            described = info;
        }
        return info;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        Described d = getClass().getAnnotation(Described.class);
        if (d == null) {
            d = mbeanInterface.getAnnotation(Described.class);
        }
        return d != null ? d.value() : info.getDescription();
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return text(attributeDescription(info.getName()), info.getDescription());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return text(operation(info.getName()) == null ? null
                : operation(info.getName()).getAnnotation(Described.class), info.getDescription());
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Described d = parameterDescription(op.getName(), sequence);
        return d != null && !d.name().isEmpty() ? d.name() : param.getName();
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return text(parameterDescription(op.getName(), sequence), param.getDescription());
    }

    private static String text(Described d, String fallback) {
        if (d == null) {
            return fallback;
        }
        return d.unit().isEmpty() ? d.value() : d.value() + " [" + d.unit() + "]";
    }

    private Described attributeDescription(String attribute) {
        for (String prefix : new String[] {"get", "is"}) {
            for (Class<?> type : new Class<?>[] {getClass(), mbeanInterface}) {
                try {
                    Described d = type.getMethod(prefix + attribute).getAnnotation(Described.class);
                    if (d != null) {
                        return d;
                    }
                } catch (NoSuchMethodException notThisPrefix) {
                    // try the next
                }
            }
        }
        return null;
    }

    private Method operation(String name) {
        for (Method m : mbeanInterface.getMethods()) {
            if (m.getName().equals(name) && !m.getName().startsWith("get") && !m.getName().startsWith("is")) {
                return m;
            }
        }
        return null;
    }

    private Described parameterDescription(String operation, int sequence) {
        Method m = operation(operation);
        if (m == null || sequence >= m.getParameterCount()) {
            return null;
        }
        Parameter p = m.getParameters()[sequence];
        return p.getAnnotation(Described.class);
    }

    private MBeanInfo withUnits(MBeanInfo info) {
        MBeanAttributeInfo[] attributes = info.getAttributes().clone();
        for (int i = 0; i < attributes.length; i++) {
            MBeanAttributeInfo a = attributes[i];
            Described d = attributeDescription(a.getName());
            if (d != null && !d.unit().isEmpty()) {
                attributes[i] = new MBeanAttributeInfo(a.getName(), a.getType(), a.getDescription(), a.isReadable(),
                        a.isWritable(), a.isIs(), units(a.getDescriptor(), d.unit()));
            }
        }
        MBeanOperationInfo[] operations = info.getOperations().clone();
        for (int i = 0; i < operations.length; i++) {
            MBeanOperationInfo o = operations[i];
            Method m = operation(o.getName());
            Described d = m == null ? null : m.getAnnotation(Described.class);
            if (d != null && !d.unit().isEmpty()) {
                operations[i] = new MBeanOperationInfo(o.getName(), o.getDescription(), o.getSignature(),
                        o.getReturnType(), o.getImpact(), units(o.getDescriptor(), d.unit()));
            }
        }
        return new MBeanInfo(info.getClassName(), info.getDescription(), attributes, info.getConstructors(),
                operations, info.getNotifications(), info.getDescriptor());
    }

    private static Descriptor units(Descriptor base, String unit) {
        return ImmutableDescriptor.union(base, new ImmutableDescriptor("units=" + unit));
    }
}
