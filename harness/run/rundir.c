#include "run/rundir.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strbuf.h"
#include "lib/util.h"

char *rundir_make_id(const char *host, time_t when, const unsigned char rnd[3])
{
    struct strbuf sb = STRBUF_INIT;
    char stamp[32];
    struct tm tm;

    /* A host name is free text to the kernel; a folder name is not. */
    for (const char *p = host; *p; p++)
        strbuf_addch(&sb, isalnum((unsigned char)*p) || *p == '-' ? *p : '_');
    if (!sb.len)
        strbuf_addstr(&sb, "host");
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    strbuf_addf(&sb, "-%s-%02x%02x%02x", stamp, rnd[0], rnd[1], rnd[2]);
    return strbuf_detach(&sb);
}

bool rundir_id_valid(const char *id)
{
    /* <host>-YYYYmmdd-HHMMSS-xxxxxx: check the fixed 23-char tail. */
    static const char shape[] = "-dddddddd-dddddd-xxxxxx";
    size_t n = strlen(id), m = sizeof shape - 1;

    if (n <= m)
        return false;
    for (size_t i = 0; i < n - m; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
            return false;
    for (size_t i = 0; i < m; i++) {
        char c = id[n - m + i];
        if ((shape[i] == '-' && c != '-')
            || (shape[i] == 'd' && !isdigit((unsigned char)c))
            || (shape[i] == 'x' && !isxdigit((unsigned char)c)))
            return false;
    }
    return true;
}

int rundir_make_uuid(char out[37])
{
    unsigned char b[16];
    int err = random_bytes(b, sizeof b);

    if (err)
        return err;
    b[6] = (b[6] & 0x0f) | 0x40;    /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80;    /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

const char *rundir_results_dir(const char *option)
{
    const char *env = getenv("PERFTEST_RESULTSDIR");

    if (option && *option)
        return option;
    if (env && *env)
        return env;
    return "results";
}

int rundir_create(const char *results_dir, const char *id, char **path)
{
    int err = mkdir_p(results_dir, 0755);

    if (err)
        return err;
    *path = xasprintf("%s/%s", results_dir, id);
    if (mkdir(*path, 0755) < 0) {
        err = -errno;
        free(*path);
        *path = NULL;
    }
    return err;
}
