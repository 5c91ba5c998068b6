import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** The JVM to read: a local process, reached with the Attach API, or a JMX URL. */
final class Target {
    private static final long SIGQUIT_BIT = 1L << (3 - 1);

    private final String pid;
    private final String url;

    private Target(String pid, String url) {
        this.pid = pid;
        this.url = url;
    }

    static Target pid(String pid) {
        if (!pid.matches("[1-9][0-9]{0,9}"))
            throw new IllegalArgumentException("--pid wants a process id, not '" + pid + "'");
        return new Target(pid, null);
    }

    /** "host:port" (a JVM started with -Dcom.sun.management.jmxremote.port) or a service:jmx: URL. */
    static Target url(String url) {
        return new Target(null, url);
    }

    /* Named as the C side names it (jmx_target_describe), so the messages
     * of both read alike in the run's log. */
    @Override
    public String toString() {
        return pid != null ? "JVM pid " + pid : "JMX at " + url;
    }

    JMXConnector connect() throws IOException {
        String address = pid != null ? localAgent()
                : url.startsWith("service:jmx:") ? url
                : "service:jmx:rmi:///jndi/rmi://" + url + "/jmxrmi";
        return JMXConnectorFactory.connect(new JMXServiceURL(address));
    }

    /* Attaching is only the way in: the agent it starts (or finds running)
     * serves JMX on a loopback connector, and the attachment itself is not
     * needed once its address is known. */
    private String localAgent() throws IOException {
        checkCatchesQuit();
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(pid);
        } catch (AttachNotSupportedException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            return vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
    }

    /* JDK 17's Attach API wakes the JVM with SIGQUIT, whose default action
     * kills a process: a recycled pid that is no JVM, or a JVM run with
     * -Xrs, would die of our attaching.  Later JDKs make this same check.
     * Latin-1 because the status file holds the command name, any bytes. */
    private void checkCatchesQuit() throws IOException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"), StandardCharsets.ISO_8859_1))
                if (line.startsWith("SigCgt:")
                        && (Long.parseUnsignedLong(line.substring(7).trim(), 16) & SIGQUIT_BIT) == 0)
                    throw new IOException("process " + pid
                            + " does not catch SIGQUIT (no JVM, or one run with -Xrs): not attaching");
        } catch (NoSuchFileException e) {
            throw new IOException("no such process");
        }
    }
}
