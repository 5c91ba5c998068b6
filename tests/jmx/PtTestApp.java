import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * A JVM for the jmx collector's tests: MBeans whose values are known to
 * move (a counter that grows by one every 100 ms, two gauges for a
 * pattern to expand to) and garbage enough that heap and GC figures move.
 * Prints "ready" once they are registered; runs until killed.
 */
public final class PtTestApp {
    public interface CounterMBean {
        long getCount();
    }

    public interface GaugeMBean {
        double getValue();
    }

    private static final int TICK_MS = 100;
    /* 40 x 128 KiB a second, 5 MiB/s: a young GC every few seconds in a
     * default heap.  The ring keeps the last 2 MiB alive, so that some of
     * it survives a collection and no compiler drops the allocation. */
    private static final int CHUNK = 128 << 10;
    private static final int CHUNKS_PER_TICK = 4;
    private static final byte[][] RING = new byte[16][];

    private PtTestApp() {
    }

    public static void main(String[] args) throws Exception {
        AtomicLong count = new AtomicLong();
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        mbs.registerMBean(new StandardMBean((CounterMBean) count::get, CounterMBean.class),
                new ObjectName("perftests.test:type=Counter,name=ticks"));
        long start = System.nanoTime();
        mbs.registerMBean(new StandardMBean((GaugeMBean) () -> seconds(start), GaugeMBean.class),
                new ObjectName("perftests.test:type=Gauge,name=alpha"));
        mbs.registerMBean(new StandardMBean((GaugeMBean) () -> Math.sin(seconds(start)), GaugeMBean.class),
                new ObjectName("perftests.test:type=Gauge,name=beta"));

        /* A non-daemon thread: it keeps the JVM up once main returns, until
         * a signal ends it (SIGTERM's default is to exit). */
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ticker.scheduleAtFixedRate(() -> {
            long n = count.incrementAndGet();
            for (int i = 0; i < CHUNKS_PER_TICK; i++)
                RING[(int) ((CHUNKS_PER_TICK * n + i) % RING.length)] = new byte[CHUNK];
        }, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);

        System.out.println("ready");
        System.out.flush();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
