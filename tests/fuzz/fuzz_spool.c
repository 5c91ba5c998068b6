/* Fuzzes the spool's reader (report/spool.c): <results>/.spool/<bundle>
 * .json says where a bundle that could not be posted goes, and `perftests
 * post` reads it later, maybe as another user, from a folder anyone who
 * can write the results directory could have filled.
 *
 * The input is the JSON file.  It goes through spool_parse_target() as
 * entry_load() reads it, and the URL through post_transport_find(), which
 * picks a transport by scheme; nothing is sent.  The checks are what the
 * sending relies on: a URL, a method it knows, and retries, delays and a
 * timeout within their ranges (a missing timeout must never mean none). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/post.h"

/* A field the target took must be the JSON's string, not a stale or
 * borrowed pointer. */
static void check_string(const json_t *j, const char *key, const char *got)
{
    if (got != json_string_value(json_object_get(j, key)))
        fuzz_fail("the target's %s is not the JSON's string", key);
}

static void check_target(const json_t *j, const struct post_target *t,
                         int rc)
{
    if ((rc == 0) != (t->url && *t->url))
        fuzz_fail("the result disagrees with the URL found");
    check_string(j, "url", t->url);
    check_string(j, "ssh_key", t->ssh_key);
    check_string(j, "known_hosts", t->known_hosts);
    if (!t->method
        || (strcmp(t->method, "put") && strcmp(t->method, "post")))
        fuzz_fail("a method that is neither put nor post");
    if (t->retries < 0 || t->retries > 20)
        fuzz_fail("%d retries", t->retries);
    if (!(t->retry_delay >= 0 && t->retry_delay <= 600))
        fuzz_fail("a retry delay of %g s", t->retry_delay);
    if (!(t->timeout >= 1 && t->timeout <= 3600))
        fuzz_fail("a timeout of %g s", t->timeout);
    if (t->stop)
        fuzz_fail("the target is not cleared first");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    struct strbuf warn = STRBUF_INIT;
    struct post_target t;
    int rc;

    /* entry_load() refuses a file that is no JSON before this. */
    if (!j)
        return 0;
    memset(&t, 0x5a, sizeof t);
    rc = spool_parse_target(j, &t, &warn);
    check_target(j, &t, rc);
    if (!rc)
        post_transport_find(t.url);
    strbuf_dispose(&warn);
    json_decref(j);
    return 0;
}
