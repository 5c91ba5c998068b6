import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.JMRuntimeException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * The JMX sidecar of perftests' jmx collector: JMX is a Java protocol, so a
 * small JVM speaks it and talks to the C side in tab-separated lines on
 * stdin and stdout (collectors/jmx_sidecar.h has the protocol).
 */
public final class PtJmx {
    private static final String USAGE = "usage: PtJmx --pid N | --url HOST:PORT|service:jmx:URL"
            + " [--interval SECONDS] [--dump PATH]";

    private PtJmx() {
    }

    public static void main(String[] args) throws InterruptedException {
        /* stdout is the protocol: what a library prints goes to the log. */
        System.setOut(System.err);
        Target target = null;
        double interval = 1;
        String dump = null;
        try {
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 == args.length)
                    throw new IllegalArgumentException(args[i] + " wants a value");
                switch (args[i]) {
                    case "--pid" -> target = Target.pid(args[i + 1]);
                    case "--url" -> target = Target.url(args[i + 1]);
                    case "--interval" -> interval = seconds(args[i + 1]);
                    case "--dump" -> dump = args[i + 1];
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (target == null)
                throw new IllegalArgumentException("no --pid or --url");
        } catch (IllegalArgumentException e) {
            fail(Out.reason(e) + "; " + USAGE);
        }

        MBeanServerConnection mbs = null;
        try {
            mbs = target.connect().getMBeanServerConnection();
        } catch (IOException | SecurityException e) {
            fail("cannot connect to " + target + ": " + Out.reason(e));
        }
        if (dump != null) {
            dump(mbs, target, dump);
            return;
        }
        try {
            collect(mbs, interval);
        } catch (IOException e) {
            fail("connection to " + target + " lost: " + Out.reason(e));
        }
    }

    /* The JVM writes the file itself, so PATH is in its file system and,
     * when relative, in its working directory. */
    private static void dump(MBeanServerConnection mbs, Target target, String path) {
        try {
            mbs.invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"), "dumpHeap",
                    new Object[] {path, true}, new String[] {"java.lang.String", "boolean"});
        } catch (IOException | JMException | JMRuntimeException e) {
            fail("cannot dump the heap of " + target + " to " + path + ": " + Out.reason(e));
        }
        Out.line("dumped", path);
    }

    private static void collect(MBeanServerConnection mbs, double interval)
            throws IOException, InterruptedException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean defaults = false;
        List<Query> queries = new ArrayList<>();
        for (String line; !"start".equals(line = in.readLine());) {
            if (line == null || line.equals("quit"))
                System.exit(0);
            if (line.equals("defaults"))
                defaults = true;
            else if (line.startsWith("query\t"))
                queries.add(Query.parse(line));
            else if (!line.isBlank())
                Out.warn("unknown line '" + line + "' ignored");
        }

        Plan plan = new Plan();
        if (defaults)
            Defaults.add(mbs, plan);
        for (Query q : queries)
            q.resolve(mbs, plan);
        for (int i = 0; i < plan.size(); i++)
            Out.line("metric", plan.kind(i), plan.label(i));
        Out.line("ready", Integer.toString(plan.size()));
        watchStdin(in);

        /* An absolute schedule, so samples do not drift by the time each
         * poll takes; after a pause (a stopped host, a slow JVM) the missed
         * ones are skipped rather than sent in a burst.  A JVM that stops
         * answering holds a poll (RMI has no deadline): the C side sees the
         * samples age and says so, and they resume when the JVM does. */
        long step = Math.round(interval * 1e9);
        for (long due = System.nanoTime();; due += step) {
            long late = System.nanoTime() - due;
            if (late > step)
                due += late / step * step;
            else if (late < 0)
                TimeUnit.NANOSECONDS.sleep(-late);
            /* nanoTime is CLOCK_MONOTONIC on Linux, the C side's clock:
             * it tells how old the newest sample is. */
            long now = System.nanoTime();
            double[] v = plan.poll(mbs);
            String[] fields = new String[v.length + 1];
            fields[0] = Long.toString(now);
            for (int i = 0; i < v.length; i++)
                fields[i + 1] = Double.isNaN(v[i]) ? "nan" : Double.toString(v[i]);
            Out.line("sample", fields);
        }
    }

    /* The C side says "quit", or closes the socket when it goes; either
     * way there is no one left to read our samples.  A read error means
     * the same. */
    private static void watchStdin(BufferedReader in) {
        Thread t = new Thread(() -> {
            try {
                for (String line; (line = in.readLine()) != null && !line.equals("quit");) {
                    // Only quit means anything once polling has begun.
                }
            } catch (IOException e) {
                // As at EOF.
            }
            System.exit(0);
        }, "stdin");
        t.setDaemon(true);
        t.start();
    }

    private static double seconds(String s) {
        try {
            double v = Double.parseDouble(s);
            if (v >= 0.001 && v <= 86400)
                return v;
        } catch (NumberFormatException e) {
            // Said below, as for a value out of range.
        }
        throw new IllegalArgumentException("--interval wants 0.001 to 86400 seconds, not '" + s + "'");
    }

    private static void fail(String text) {
        Out.line("error", text);
        System.exit(1);
    }
}
