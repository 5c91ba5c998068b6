/* Fuzzes the reader of jmxtrans query files (collectors/jmxconf.c), the
 * JMX_CONFIG a user hands the jmx collector, and the lines it makes of
 * them for the sidecar.
 *
 * The sidecar reads one command a line, fields split at tabs, so the
 * check is that no field of the file can forge a line or a field there:
 * N queries give "defaults" and N query lines of five fields each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/jmxconf.h"
#include "fuzz.h"

static size_t count(const char *s, size_t len, char c)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

static void check_lines(const struct jmx_config *cfg)
{
    struct strbuf out = STRBUF_INIT;
    const char *l;
    size_t lines = 0;

    jmx_config_to_lines(cfg, true, &out);
    if (strncmp(out.buf, "defaults\n", 9))
        fuzz_fail("the lines do not start with \"defaults\" in:\n%s",
                  out.buf);
    for (l = out.buf + 9; *l; lines++) {
        const char *end = strchr(l, '\n');
        if (!end)
            fuzz_fail("a line without its newline in:\n%s", out.buf);
        if (strncmp(l, "query\t", 6))
            fuzz_fail("a line that is no query in:\n%s", out.buf);
        if (count(l, (size_t)(end - l), '\t') != 4
            || count(l, (size_t)(end - l), '\r'))
            fuzz_fail("a query line without exactly five fields in:\n%s",
                      out.buf);
        l = end + 1;
    }
    if (lines != cfg->n)
        fuzz_fail("not one line per query in:\n%s", out.buf);
    strbuf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    struct strbuf err = STRBUF_INIT;
    struct jmx_config cfg;

    /* The target goes to the sidecar's argv, not into a line. */
    if (!jmx_config_parse(text, "fuzz.json", &cfg, &err))
        check_lines(&cfg);
    jmx_config_release(&cfg);
    strbuf_dispose(&err);
    free(text);
    return 0;
}
