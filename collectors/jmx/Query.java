import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * One query of a jmxtrans file: its MBeans and attributes are looked up once,
 * at start, and become gauges labelled as jmxtrans named them, so that
 * graphs and thresholds written for jmxtrans keep their names.
 */
final class Query {
    private final String obj;
    private final List<String> attrs;
    private final String alias;
    private final List<String> typeNames;

    private Query(String obj, List<String> attrs, String alias, List<String> typeNames) {
        this.obj = obj;
        this.attrs = attrs;
        this.alias = alias;
        this.typeNames = typeNames;
    }

    /** From "query\tOBJ\tATTRS\tALIAS\tTYPENAMES", lists comma-separated, any field empty. */
    static Query parse(String line) {
        String[] f = line.split("\t", -1);
        return new Query(field(f, 1), list(field(f, 2)), field(f, 3), list(field(f, 4)));
    }

    void resolve(MBeanServerConnection mbs, Plan plan) throws IOException {
        ObjectName pattern;
        try {
            pattern = new ObjectName(obj);
        } catch (MalformedObjectNameException e) {
            Out.warn("invalid ObjectName '" + obj + "': " + Out.reason(e));
            return;
        }
        Set<ObjectName> names = new TreeSet<>(mbs.queryNames(pattern, null));
        if (names.isEmpty())
            Out.warn("no MBean matches '" + obj + "'");
        Set<String> warned = new HashSet<>();
        for (ObjectName name : names) {
            for (String attr : attrs.isEmpty() ? readable(mbs, name) : attrs) {
                List<String> keys = numericKeys(read(mbs, name, attr));
                if (keys.isEmpty() && !attrs.isEmpty() && warned.add(attr))
                    Out.warn("'" + obj + "' has no numeric attribute '" + attr + "'");
                for (String key : keys)
                    plan.add("gauge", label(name, attr, key), name, attr, key);
            }
        }
    }

    /* jmxtrans's naming: the alias or the type, then the typeNames' values
     * (or, without typeNames, every other key's value by key name), then the
     * attribute and the composite's item. */
    private String label(ObjectName name, String attr, String key) {
        String type = name.getKeyProperty("type");
        StringBuilder b = new StringBuilder(!alias.isEmpty() ? alias : type != null ? unquote(type) : name.getDomain());
        Iterable<String> parts = typeNames;
        if (typeNames.isEmpty()) {
            Set<String> others = new TreeSet<>(name.getKeyPropertyList().keySet());
            others.remove("type");
            parts = others;
        }
        for (String part : parts) {
            String value = name.getKeyProperty(part);
            if (value != null)
                b.append('.').append(unquote(value));
        }
        b.append('.').append(attr);
        if (key != null)
            b.append('.').append(key);
        return b.toString();
    }

    /* Sorted, as the composite items are: a restarted sidecar must declare
     * the same metrics in the same order. */
    private static List<String> readable(MBeanServerConnection mbs, ObjectName name) throws IOException {
        Set<String> found = new TreeSet<>();
        try {
            for (MBeanAttributeInfo a : mbs.getMBeanInfo(name).getAttributes())
                if (a.isReadable())
                    found.add(a.getName());
        } catch (JMException | RuntimeException e) {
            Out.warn("cannot list the attributes of '" + name + "': " + Out.reason(e));
        }
        return new ArrayList<>(found);
    }

    /* One attribute at a time, unlike a poll: one that is missing, throws or
     * will not unmarshal must not hide the others. */
    private static Object read(MBeanServerConnection mbs, ObjectName name, String attr) throws IOException {
        try {
            return mbs.getAttribute(name, attr);
        } catch (JMException | RuntimeException e) {
            return null;
        } catch (IOException e) {
            if (Plan.isValueError(e))
                return null;
            throw e;
        }
    }

    /** [null] for a plain number, the sorted numeric items of a composite, else none. */
    private static List<String> numericKeys(Object v) {
        List<String> keys = new ArrayList<>();
        if (Plan.isNumeric(v))
            keys.add(null);
        else if (v instanceof CompositeData c)
            for (String key : new TreeSet<>(c.getCompositeType().keySet()))
                if (Plan.isNumeric(c.get(key)))
                    keys.add(key);
        return keys;
    }

    private static String unquote(String value) {
        return value.startsWith("\"") ? ObjectName.unquote(value) : value;
    }

    private static String field(String[] f, int i) {
        return i < f.length ? f[i].trim() : "";
    }

    private static List<String> list(String s) {
        List<String> out = new ArrayList<>();
        for (String item : s.split(","))
            if (!item.isBlank())
                out.add(item.trim());
        return out;
    }
}
