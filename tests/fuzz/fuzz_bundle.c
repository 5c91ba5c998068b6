/* Fuzzes site_unpack() (report/site.c, report/bundle.c): a bundle posted
 * to the report server is bytes from anyone who can post.  The input is
 * the archive itself (a tar, gzip'ed or not: libarchive takes both), and
 * whatever it holds, the site must keep these:
 *   - refused, it leaves nothing in runs/ (no run, no unpacking folder);
 *   - taken, the run is one folder runs/<safe name>/ holding only
 *     regular files and folders of the allow-list;
 *   - nothing at all appears beside the site (no '..', no absolute path,
 *     no link followed out).
 * The site is emptied after each input, so each starts from nothing. */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "report/site.h"

static const char *run_top;         /* the run folder nftw() walks */

static int check_entry(const char *path, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    const char *rel = path + strlen(run_top);

    (void)flag, (void)ftw;
    rel += *rel == '/';
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
        fuzz_fail("'%s' on the site is neither a file nor a folder", path);
    if (!site_member_allowed(rel, S_ISDIR(st->st_mode)))
        fuzz_fail("'%s' on the site is not a file a run makes", rel);
    if (st->st_mode & 07022)
        fuzz_fail("'%s' has mode %o", rel, (unsigned)st->st_mode & 07777);
    return 0;
}

/* The names in 'dir' but "." and "..". */
static int count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    char *bundle = fuzz_path("bundle.tar.gz"), *site = fuzz_path("site");
    char *runs = xasprintf("%s/runs", site), *dir = NULL;
    /* None yet, as on a fresh site: no uuid to clash with. */
    char *db = xasprintf("%s/history.db", site);

    fuzz_put("bundle.tar.gz", data, size);
    if (site_unpack(site, db, bundle, 1 << 20, &dir, &what, &err) == 0) {
        const char *id = strrchr(dir, '/') + 1;
        if (what != SITE_NEW || !site_name_safe(id) || count(runs) != 1)
            fuzz_fail("a run taken but not alone in runs/ under a safe name");
        run_top = dir;
        nftw(dir, check_entry, 16, FTW_PHYS);
    } else if (count(runs)) {
        fuzz_fail("a refused bundle left %d entries in runs/: %s",
                  count(runs), err.buf);
    }
    /* The bundle and the site: nothing else beside them. */
    if (count(fuzz_tmpdir()) != 2)
        fuzz_fail("something was written beside the site");
    remove_tree(site);
    free(dir);
    free(db);
    free(runs);
    free(site);
    free(bundle);
    strbuf_dispose(&err);
    return 0;
}
