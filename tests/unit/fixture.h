/* Text the tests read: captured from real systems, in
 * tests/unit/fixtures/; the man page; what a printing function writes.
 * Paths are relative to the source tree's root, where the tests run. */
#ifndef PT_TEST_FIXTURE_H
#define PT_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

#define FIXTURES "tests/unit/fixtures/"
#define MAN_PAGE "harness/perftests.1"

/* The fixture's text, malloc'ed; the test fails when it cannot be read. */
static inline char *fixture(const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf(FIXTURES "%s", name);

    assert_int_equal(strbuf_read_file(&sb, path), 0);
    free(path);
    return strbuf_detach(&sb);
}

/* Fails unless the man page sets 'word' in bold: the rows of a table a
 * user may name (strategies, SUT kinds) are documented there, and the man
 * page cannot read the table itself. */
static inline void assert_man_page_names(const char *word)
{
    struct strbuf man = STRBUF_INIT;
    char *bold = xasprintf("\\fB%s\\fR", word);

    assert_int_equal(strbuf_read_file(&man, MAN_PAGE), 0);
    if (!strstr(man.buf, bold))
        fail_msg(MAN_PAGE " does not name %s", bold);
    free(bold);
    strbuf_dispose(&man);
}

/* What 'print' writes, malloc'ed. */
static inline char *printed(void (*print)(FILE *out))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    print(f);
    assert_int_equal(fclose(f), 0);
    return text;
}

#endif
