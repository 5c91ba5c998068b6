/* Text captured from real systems, in tests/unit/fixtures/; paths are
 * relative to the source tree's root, where the tests run. */
#ifndef PT_TEST_FIXTURE_H
#define PT_TEST_FIXTURE_H

#include <stdlib.h>

#include "lib/strbuf.h"

#define FIXTURES "tests/unit/fixtures/"

/* The fixture's text, malloc'ed; the test fails when it cannot be read. */
static char *fixture(const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf(FIXTURES "%s", name);

    assert_int_equal(strbuf_read_file(&sb, path), 0);
    free(path);
    return strbuf_detach(&sb);
}

#endif
