/* Fuzzes the ledger reader (harness/lib/ledger.c): the owner line and the
 * entries of <results>/.ledger/<run-id>, which a crash may have torn and
 * anyone who can write the results folder may have written.
 *
 * Only the reading is fuzzed.  Replaying a ledger removes namespaces and
 * stops processes, so ledger_replay_file() is never called here; whether
 * an entry is trusted enough to act on is the replay's check, tested in
 * tests/unit/test_ledger.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/ledger.h"

/* Whatever the parser accepts must be a well-formed entry: every field
 * ends inside its buffer, and "-" (the root namespace) is "" again. */
static void check_line(const char *line)
{
    struct ledger_entry e;

    memset(&e, 0x5a, sizeof e);
    if (ledger_parse_line(line, &e))
        return;
    if (!memchr(e.kind, '\0', sizeof e.kind)
        || !memchr(e.name, '\0', sizeof e.name)
        || !memchr(e.location, '\0', sizeof e.location))
        fuzz_fail("an accepted entry has an unterminated field: '%s'", line);
    if (!e.kind[0] || !e.name[0])
        fuzz_fail("an accepted entry has no kind or no name: '%s'", line);
    if (!strcmp(e.location, "-"))
        fuzz_fail("an accepted entry keeps '-' as its location: '%s'", line);
    if (strchr(e.name, '\t') || strchr(e.location, '\t')
        || strchr(e.name, '\n') || strchr(e.location, '\n'))
        fuzz_fail("an accepted entry holds a field separator: '%s'", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    char *path = NULL;

    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        check_line(line);
    }
    /* The whole file as ledger_is_stale() reads it: the owner line, then
     * the entries (a torn one skipped).  It only reads /proc. */
    fuzz_put("ledger", data, size);
    path = fuzz_path("ledger");
    ledger_is_stale(path);
    free(path);
    free(text);
    return 0;
}
