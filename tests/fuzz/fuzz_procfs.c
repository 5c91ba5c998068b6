/* Fuzzes the /proc parsers (collectors/procfs.c) that the proc and system
 * collectors and the SUT snapshot use.  Most of /proc is the kernel's, but
 * /proc/PID/stat carries the process's own name, which its owner chooses:
 * "(a) b)" and the like are fair game, and the name must never spill into
 * the figures after it.
 *
 * The same input goes to every parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/procfs.h"
#include "fuzz.h"

static void check_stat(const char *text)
{
    struct pstat p;

    memset(&p, 0x5a, sizeof p);
    if (procfs_parse_stat(text, &p))
        return;
    /* The name is copied into a fixed buffer: it must end inside it. */
    if (!memchr(p.comm, '\0', sizeof p.comm))
        fuzz_fail("stat: comm is not terminated");
    /* The kernel's name is at most 15 bytes and sits between the first
     * '(' and the last ')'; whatever the parser kept must come from
     * there. */
    if (!strstr(text, p.comm))
        fuzz_fail("stat: comm is not in the text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    unsigned long long vol, invol;
    struct cpu_ticks t;
    struct smaps_rollup sr;
    double avail;

    check_stat(text);
    procfs_parse_status(text, &vol, &invol);
    if (!procfs_parse_cpu(text, &t))
        procfs_cpu_total(&t);
    procfs_parse_meminfo(text, &avail);
    procfs_parse_smaps_rollup(text, &sr);
    free(text);
    return 0;
}
