import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** The protocol stream: tab-separated lines on stdout, each flushed at once. */
final class Out {
    /* Our own stream on fd 1, in UTF-8 whatever the locale: System.out is
     * handed to stderr (PtJmx.main) so nothing else can write here. */
    private static final PrintStream OUT = new PrintStream(
            new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    private static final Pattern BREAKS = Pattern.compile("[\t\r\n]+");

    private Out() {
    }

    /* The reader splits on tabs and newlines, so none may hide in a field
     * (a label from an ObjectName, an exception's message). */
    static synchronized void line(String kind, String... fields) {
        StringBuilder b = new StringBuilder(kind);
        for (String f : fields)
            b.append('\t').append(BREAKS.matcher(f).replaceAll(" "));
        OUT.print(b.append('\n'));
        OUT.flush();
    }

    static void warn(String text) {
        line("warn", text);
    }

    /* RMI and JNDI wrap the real cause (say "Connection refused") in layers
     * of "nested exception is"; the innermost message is the useful one. */
    static String reason(Throwable t) {
        Throwable best = t;
        for (Throwable c = t; c != null; c = c.getCause())
            if (c.getMessage() != null)
                best = c;
        return best.getMessage() != null ? best.getMessage() : best.getClass().getSimpleName();
    }
}
