import java.io.IOException;
import java.io.ObjectStreamException;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.openmbean.CompositeData;

/**
 * The resolved metrics, in the order their values are sent, and how to read
 * them: every attribute of one MBean in one getAttributes call per poll,
 * since each call is a round trip served by the JVM under test.
 */
final class Plan {
    private record Read(String attr, String key, int slot) {
    }

    private static final class Source {
        final List<String> attrs = new ArrayList<>();
        final List<Read> reads = new ArrayList<>();
        String[] attrArray = new String[0];
    }

    private final List<String> kinds = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final Map<ObjectName, Source> sources = new LinkedHashMap<>();
    private final Map<Integer, int[]> sums = new LinkedHashMap<>();

    int size() {
        return labels.size();
    }

    String kind(int slot) {
        return kinds.get(slot);
    }

    String label(int slot) {
        return labels.get(slot);
    }

    /** A new metric, "gauge" or "counter"; its value comes from bind() or sum(). */
    int declare(String kind, String label) {
        kinds.add(kind);
        labels.add(label);
        return labels.size() - 1;
    }

    /** The value of 'slot' is attribute 'attr' of 'name', or item 'key' of it when not null. */
    void bind(int slot, ObjectName name, String attr, String key) {
        Source s = sources.computeIfAbsent(name, n -> new Source());
        if (!s.attrs.contains(attr)) {
            s.attrs.add(attr);
            s.attrArray = s.attrs.toArray(s.attrArray);
        }
        s.reads.add(new Read(attr, key, slot));
    }

    int add(String kind, String label, ObjectName name, String attr, String key) {
        int slot = declare(kind, label);
        bind(slot, name, attr, key);
        return slot;
    }

    /** The value of 'slot' is the sum of those of 'parts' (nan when one is). */
    void sum(int slot, int[] parts) {
        sums.put(slot, parts);
    }

    /** One value per metric, nan where it could not be read; IOException: the connection is gone. */
    double[] poll(MBeanServerConnection mbs) throws IOException {
        double[] v = new double[labels.size()];
        Arrays.fill(v, Double.NaN);
        Map<String, Object> got = new HashMap<>();
        for (Map.Entry<ObjectName, Source> e : sources.entrySet()) {
            got.clear();
            try {
                for (Attribute a : mbs.getAttributes(e.getKey(), e.getValue().attrArray).asList())
                    got.put(a.getName(), a.getValue());
            } catch (InstanceNotFoundException | ReflectionException | RuntimeException x) {
                continue; // unregistered or failing: this MBean's values stay nan
            } catch (IOException x) {
                if (!isValueError(x))
                    throw x;
                continue;
            }
            for (Read r : e.getValue().reads)
                v[r.slot] = value(got.get(r.attr), r.key);
        }
        for (Map.Entry<Integer, int[]> s : sums.entrySet()) {
            double total = 0;
            for (int part : s.getValue())
                total += v[part];
            v[s.getKey()] = total;
        }
        return v;
    }

    /* An attribute of a class we do not have, or that will not serialize,
     * fails the whole call as an IOException, yet the connection is fine. */
    static boolean isValueError(IOException e) {
        return e instanceof RemoteException
                && (e.getCause() instanceof ClassNotFoundException || e.getCause() instanceof ObjectStreamException);
    }

    static boolean isNumeric(Object v) {
        return v instanceof Number || v instanceof Boolean;
    }

    static double value(Object v, String key) {
        if (key != null)
            return v instanceof CompositeData c && c.containsKey(key) ? value(c.get(key), null) : Double.NaN;
        if (v instanceof Number n)
            return n.doubleValue();
        if (v instanceof Boolean b)
            return b ? 1 : 0;
        return Double.NaN;
    }
}
