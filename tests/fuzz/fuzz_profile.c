/* Fuzzes where a run's settings come from (harness/run/profile.c,
 * settings.c): a profile file (libconfig), the environment, and -o
 * KEY=VALUE, in that order, then the rules that involve two keys.  A
 * profile is a file in a folder a lab shares, and -o comes from Jenkins
 * jobs anyone may edit: every bad value must be an error with its source,
 * never a crash, and a good one must land in the settings.
 *
 * The input is up to three parts (fuzz.h): profiles.d/fuzz/perftests.conf,
 * then -o arguments one a line, then environment lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/strbuf.h"
#include "run/profile.h"
#include "run/settings.h"

#define MAX_LINES 64

/* The lines of 'text' as a NULL-terminated array pointing into it (the
 * newlines become NULs). */
static char **lines(char *text, char **v)
{
    size_t n = 0;

    for (char *l = text; l && *l && n < MAX_LINES; n++) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl++ = '\0';
        v[n] = l;
        l = nl;
    }
    v[n] = NULL;
    return v;
}

/* Every error names where it comes from, one line each: the caller
 * prints them as they are. */
static void check_errors(const struct strbuf *errs, int n_err)
{
    size_t newlines = 0;

    for (size_t i = 0; i < errs->len; i++)
        newlines += errs->buf[i] == '\n';
    if (n_err > 0 && !errs->len)
        fuzz_fail("errors counted but none said");
    if (errs->len && errs->buf[errs->len - 1] != '\n')
        fuzz_fail("an error line without its newline: %s", errs->buf);
    if (n_err > 0 && newlines < 1)
        fuzz_fail("errors without a line: %s", errs->buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *overrides[MAX_LINES + 1], *env[MAX_LINES + 1];
    char *profiles = fuzz_path("profiles");
    struct strbuf errs = STRBUF_INIT;
    struct fuzz_parts p;
    struct settings s;
    int n_err;

    fuzz_split(data, size, &p);
    fuzz_put("profiles/fuzz/perftests.conf", p.part[0], p.len[0]);
    struct profile_request req = {
        .profiles_dir = profiles,
        .name = "fuzz",
        .hostname = "fuzzhost",
        .overrides = p.n > 1 ? lines(p.part[1], overrides) : NULL,
        .envp = p.n > 2 ? lines(p.part[2], env) : NULL,
    };
    n_err = profile_load(&s, &req, &errs);
    check_errors(&errs, n_err);
    settings_release(&s);
    strbuf_dispose(&errs);
    fuzz_parts_release(&p);
    free(profiles);
    return 0;
}

/* Debian 12's libconfig 1.5 leaks its string buffer when a file ends
 * inside a string (a plain program calling config_read() on 'A = "x'
 * shows it; 1.7 fixed it).  profile_load_file() calls config_destroy()
 * either way; there is nothing of ours to free.  Compiled in, so it holds
 * for this harness only and LSAN_OPTIONS stays the user's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libconfig.so\n";
}

/* ... and without a table of them after every input. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
