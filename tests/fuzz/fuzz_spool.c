/* Fuzzes the spool's reader (report/spool.c): <results>/.spool/<bundle>
 * .json says where a bundle that could not be posted goes, and `perftests
 * post` reads it later, maybe as another user, from a folder anyone who
 * can write the results directory could have filled.
 *
 * The input is the JSON file.  It goes through spool_parse_target() as
 * send_one() reads it, and the URL through post_transport_find(), which
 * picks a transport by scheme; nothing is sent. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/post.h"

/* A field the target took must be the JSON's string, not a stale or
 * borrowed pointer. */
static void check_string(const json_t *j, const char *key, const char *got)
{
    const char *want = json_string_value(json_object_get(j, key));

    if (got != want)
        fuzz_fail("a target field is not the JSON's string");
    if (got)
        (void)strlen(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    volatile sig_atomic_t stop = 0;
    struct post_target t = { .stop = &stop };
    int rc = spool_parse_target(j, &t);

    if ((rc == 0) != (t.url != NULL))
        fuzz_fail("the result disagrees with the URL found");
    if (t.stop != &stop || t.transport)
        fuzz_fail("the reader changed what it must leave alone");
    check_string(j, "url", t.url);
    check_string(j, "method", t.method);
    check_string(j, "ssh_key", t.ssh_key);
    if (!rc)
        post_transport_find(t.url);
    json_decref(j);
    return 0;
}
