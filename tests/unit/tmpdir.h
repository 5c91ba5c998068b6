/* A private temporary folder for one test file, as cmocka group setup and
 * teardown: /tmp/pt-unit-XXXXXX, removed with everything in it. */
#ifndef PT_TEST_TMPDIR_H
#define PT_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[64];

static int tmpdir_create(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/pt-unit-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_remove(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

#endif
