/* Fuzzes the parsers of ovs-appctl text (collectors/ovs_text.c) and what
 * the SUT snapshot makes of them (harness/sut/snapshot.c).  The text is
 * for people and changes between OVS versions, so every parser must take
 * any text: unknown lines skipped, a figure not found left NaN.
 *
 * The same input goes to every parser, as if each command had answered
 * it: an OVS of another version may answer anything. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ovs_text.h"
#include "fuzz.h"
#include "lib/strbuf.h"
#include "sut/snapshot.h"

static void count_pair(const char *key, size_t len, double v, void *aux)
{
    /* The key lies in the text: reading all of it must be in bounds. */
    volatile char last = len ? key[len - 1] : 0;

    (void)last;
    ++*(int *)aux;
}

static size_t count_lines(const char *text)
{
    size_t n = 1;

    for (const char *p = text; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

static void check_snapshot(const char *text)
{
    struct strbuf out = STRBUF_INIT;
    json_t *snap = json_object();
    char *dump;

    json_object_set_new(snap, "ovs", snapshot_ovs_json(text, text));
    /* snapshot.json must stay JSON whatever OVS said (no NaN, no inf). */
    dump = json_dumps(snap, JSON_COMPACT);
    if (!dump)
        fuzz_fail("snapshot_ovs_json() made something json_dumps() refuses");
    snapshot_describe(snap, &out);
    free(dump);
    json_decref(snap);
    strbuf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    struct ovs_dp_stats dp;
    struct ovs_pmd_stats pmd;
    struct ovs_mem_stats mem;
    int pairs = 0, found, flows;

    ovs_parse_dpctl_show(text, &dp);
    if ((ovs_parse_pmd_stats(text, &pmd) == 0) != (pmd.threads >= 1))
        fuzz_fail("pmd-stats-show: the result disagrees with the "
                  "threads seen");
    ovs_parse_memory_show(text, &mem);
    found = ovs_memory_show_foreach(text, count_pair, &pairs);
    if (found != pairs)
        fuzz_fail("memory/show: the count returned is not the pairs "
                  "handed on");
    flows = ovs_count_dump_flows(text);
    if (flows < 0 || (size_t)flows > count_lines(text))
        fuzz_fail("dump-flows: more flows than lines");
    check_snapshot(text);
    free(text);
    return 0;
}
