/* The helpers of fuzz.h, linked into every harness. */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_split(const uint8_t *data, size_t size, struct fuzz_parts *p)
{
    static const char sep[] = "\n" FUZZ_SEPARATOR "\n";
    const size_t sep_len = sizeof sep - 1;
    char *s, *end;

    memset(p, 0, sizeof *p);
    p->copy = s = fuzz_cstr(data, size);
    end = s + size;
    /* The last part takes the rest, separators and all: a fuzzer that
     * writes more of them than there are parts still reaches that one. */
    while (p->n < FUZZ_MAX_PARTS - 1) {
        char *at = memmem(s, (size_t)(end - s), sep, sep_len);
        if (!at)
            break;
        /* The newline before the separator ends the part's last line. */
        at[1] = '\0';
        p->part[p->n] = s;
        p->len[p->n++] = (size_t)(at + 1 - s);
        s = at + sep_len;
    }
    p->part[p->n] = s;
    p->len[p->n++] = (size_t)(end - s);
}

void fuzz_parts_release(struct fuzz_parts *p)
{
    free(p->copy);
    memset(p, 0, sizeof *p);
}

static char *tmpdir;

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    return remove(path);
}

static void remove_tmpdir(void)
{
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
    const char *base = getenv("TMPDIR");

    if (tmpdir)
        return tmpdir;
    tmpdir = xasprintf("%s/pt-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror(tmpdir);
        abort();
    }
    atexit(remove_tmpdir);
    return tmpdir;
}

char *fuzz_path(const char *name)
{
    return xasprintf("%s/%s", fuzz_tmpdir(), name);
}

void fuzz_put(const char *name, const void *data, size_t len)
{
    char *path = fuzz_path(name);
    char *slash = strrchr(path, '/');
    int fd;

    if (!data) {
        if (unlink(path) && errno != ENOENT)
            goto fail;
        free(path);
        return;
    }
    *slash = '\0';
    if (mkdir_p(path, 0700))
        goto fail;
    *slash = '/';
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd))
        goto fail;
    free(path);
    return;
fail:
    perror(path);
    abort();
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* Errors still show: a parser that logs one on bad input is worth a
     * look.  Nothing is kept for a run.log that never comes. */
    log_set_level(LOG_LEVEL_ERR);
    log_discard_early();
    return 0;
}
