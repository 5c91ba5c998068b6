import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The figures every JVM has, under the fixed labels the report knows. */
final class Defaults {
    private Defaults() {
    }

    static void add(MBeanServerConnection mbs, Plan plan) throws IOException {
        ObjectName memory = name("java.lang:type=Memory");
        plan.add("gauge", "heap_used", memory, "HeapMemoryUsage", "used");
        plan.add("gauge", "heap_committed", memory, "HeapMemoryUsage", "committed");
        plan.add("gauge", "heap_max", memory, "HeapMemoryUsage", "max");
        plan.add("gauge", "nonheap_used", memory, "NonHeapMemoryUsage", "used");
        plan.add("gauge", "nonheap_committed", memory, "NonHeapMemoryUsage", "committed");
        plan.add("gauge", "threads", name("java.lang:type=Threading"), "ThreadCount", null);
        plan.add("gauge", "classes_loaded", name("java.lang:type=ClassLoading"), "LoadedClassCount", null);
        plan.add("counter", "cpu_time_ns", name("java.lang:type=OperatingSystem"), "ProcessCpuTime", null);

        int gcCount = plan.declare("counter", "gc_count");
        int gcTime = plan.declare("counter", "gc_time_ms");
        Set<ObjectName> gcs = all(mbs, "java.lang:type=GarbageCollector,name=*");
        int[] counts = new int[gcs.size()];
        int[] times = new int[gcs.size()];
        int i = 0;
        for (ObjectName gc : gcs) {
            String prefix = "gc." + gc.getKeyProperty("name");
            counts[i] = plan.add("counter", prefix + ".count", gc, "CollectionCount", null);
            times[i++] = plan.add("counter", prefix + ".time_ms", gc, "CollectionTime", null);
        }
        plan.sum(gcCount, counts);
        plan.sum(gcTime, times);

        for (ObjectName pool : all(mbs, "java.lang:type=MemoryPool,name=*"))
            plan.add("gauge", "pool." + pool.getKeyProperty("name") + ".used", pool, "Usage", "used");
    }

    /* Sorted, so that a restarted sidecar declares the same metrics in the
     * same order, which the C side insists on. */
    private static Set<ObjectName> all(MBeanServerConnection mbs, String pattern) throws IOException {
        return new TreeSet<>(mbs.queryNames(name(pattern), null));
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
