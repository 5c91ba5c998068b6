/* A private temporary folder for one test file, as cmocka group setup and
 * teardown: /tmp/pt-unit-XXXXXX, removed with everything in it. */
#ifndef PT_TEST_TMPDIR_H
#define PT_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

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

/* Writes 'text' to <tmpdir>/<dir>/<name>, making the folder; returns the
 * file's path (malloc'ed).  A test that cannot write its own temporary
 * folder stops there. */
static inline char *tmpdir_put(const char *dir, const char *name,
                               const char *text)
{
    char *folder = xasprintf("%s/%s", tmpdir, dir);
    char *path = xasprintf("%s/%s", folder, name);
    FILE *f;

    mkdir_p(folder, 0755);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        abort();
    }
    fputs(text, f);
    fclose(f);
    free(folder);
    return path;
}

/* How many entries 'path' holds, "." and ".." aside; -1 when it cannot
 * be read (it is not there). */
static inline int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

#endif
