/* The bundle (see bundle.h). */
#include "report/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

static int add_file(struct archive *a, const char *path, const char *name,
                    const struct stat *st, struct strbuf *err)
{
    struct archive_entry *e;
    char buf[65536];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_copy_stat(e, st);
    if (archive_write_header(a, e) != ARCHIVE_OK)
        rc = -EIO;
    while (!rc && (n = read(fd, buf, sizeof buf)) > 0)
        if (archive_write_data(a, buf, (size_t)n) != n)
            rc = -EIO;
    if (rc)
        strbuf_addf(err, "%s: %s", name, archive_error_string(a));
    archive_entry_free(e);
    close(fd);
    return rc;
}

/* Adds 'dir' (shown as 'name') and what is under it, in name order so
 * that two bundles of the same run are the same. */
static int add_tree(struct archive *a, const char *dir, const char *name,
                    const char *skip, struct strbuf *err)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort), rc = 0;

    if (n < 0) {
        strbuf_addf(err, "cannot read '%s': %s", dir, strerror(errno));
        return -errno;
    }
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        char *inner = xasprintf("%s/%s", name, list[i]->d_name);
        struct stat st;
        if (!rc && list[i]->d_name[0] != '.' && strcmp(path, skip)
            && !lstat(path, &st)) {
            if (S_ISDIR(st.st_mode))
                rc = add_tree(a, path, inner, skip, err);
            else if (S_ISREG(st.st_mode))
                rc = add_file(a, path, inner, &st, err);
        }
        free(path);
        free(inner);
        free(list[i]);
    }
    free(list);
    return rc;
}

char *bundle_path(const char *run_dir)
{
    size_t len = strlen(run_dir);

    while (len > 1 && run_dir[len - 1] == '/')
        len--;
    return xasprintf("%.*s.tar.gz", (int)len, run_dir);
}

int bundle_write(const char *run_dir, const char *path, struct strbuf *err)
{
    struct archive *a;
    const char *base = strrchr(run_dir, '/');
    char *tmp;
    /* Written through a descriptor of a file we made: the results folder
     * may be one others write, and root must not follow what they put
     * there.  0644 whatever the umask, for the spool's reader. */
    int fd = util_replace_open(AT_FDCWD, path, 0644, &tmp), rc = 0;

    if (fd < 0) {
        strbuf_addf(err, "cannot create a file beside '%s': %s", path,
                    strerror(-fd));
        return fd;
    }
    a = archive_write_new();
    base = base && base[1] ? base + 1 : run_dir;
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        strbuf_addf(err, "cannot write '%s': %s", tmp,
                    archive_error_string(a));
        rc = -EIO;
    } else {
        rc = add_tree(a, run_dir, base, path, err);
        if (archive_write_close(a) != ARCHIVE_OK && !rc) {
            strbuf_addf(err, "'%s': %s", tmp, archive_error_string(a));
            rc = -EIO;
        }
    }
    archive_write_free(a);
    if (rc)
        return util_replace_commit(AT_FDCWD, fd, tmp, path, rc);
    rc = util_replace_commit(AT_FDCWD, fd, tmp, path, 0);
    if (rc)
        strbuf_addf(err, "cannot write '%s': %s", path, strerror(-rc));
    return rc;
}

/* What a member that is neither a file nor a folder is, for the reason. */
static const char *member_kind(mode_t type)
{
    switch (type) {
    case AE_IFLNK: return "a symbolic link";
    case AE_IFCHR: case AE_IFBLK: return "a device node";
    case AE_IFIFO: return "a fifo";
    case AE_IFSOCK: return "a socket";
    default: return "neither a file nor a folder";
    }
}

/* An absolute name, or one with a ".." component: it would land outside
 * the folder it is unpacked into. */
static bool escapes(const char *name)
{
    if (name[0] == '/')
        return true;
    for (const char *c = name; *c; c += strcspn(c, "/"), c += *c == '/')
        if (c[0] == '.' && c[1] == '.' && (!c[2] || c[2] == '/'))
            return true;
    return false;
}

/* Refuses a member that is no plain file or folder, leaves the top
 * folder, or that the policy does not allow; *top is set by the first.
 * 0, or -errno with the reason. */
static int check_member(const char *path, struct archive_entry *e,
                        const char *name, char **top,
                        const struct bundle_policy *p, struct strbuf *err)
{
    mode_t type = archive_entry_filetype(e);
    size_t n;

    if (escapes(name)) {
        strbuf_addf(err, "'%s': '%s' would land outside its folder (%s)",
                    path, name, name[0] == '/' ? "an absolute path"
                                               : "a '..' component");
        return -EINVAL;
    }
    /* A hard link shares another member's inode; its type may read as a
     * file's or as none. */
    if (archive_entry_hardlink(e) || archive_entry_sparse_count(e) > 0) {
        strbuf_addf(err, "'%s': '%s' is %s", path, name,
                    archive_entry_hardlink(e) ? "a hard link"
                                              : "a sparse file");
        return -EINVAL;
    }
    if (type != AE_IFREG && type != AE_IFDIR) {
        strbuf_addf(err, "'%s': '%s' is %s", path, name, member_kind(type));
        return -EINVAL;
    }
    /* Every member lives in one run directory, named first. */
    if (!*top)
        *top = xasprintf("%.*s", (int)strcspn(name, "/"), name);
    n = strlen(*top);
    if (strncmp(name, *top, n) || (name[n] && name[n] != '/')) {
        strbuf_addf(err, "'%s': '%s' is outside its run directory '%s'",
                    path, name, *top);
        return -EINVAL;
    }
    if (p && p->allowed) {
        char *rel = xasprintf("%s", name[n] ? name + n + 1 : "");
        size_t len = strlen(rel);
        if (len && rel[len - 1] == '/')
            rel[len - 1] = '\0';
        bool ok = p->allowed(rel, type == AE_IFDIR);
        free(rel);
        if (!ok) {
            strbuf_addf(err, "'%s': '%s' is not a file a run makes", path,
                        name);
            return -EPERM;
        }
    }
    return 0;
}

/* Copies the member's data, adding it to *total; past the policy's
 * max_bytes it stops, whatever the header said the size was. */
static int copy_data(struct archive *in, struct archive *out,
                     const char *path, const char *name,
                     unsigned long long *total,
                     const struct bundle_policy *p, struct strbuf *err)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
        *total += len;
        if (p && p->max_bytes && *total > p->max_bytes) {
            strbuf_addf(err, "'%s': more than %llu bytes unpacked (at '%s')",
                        path, p->max_bytes, name);
            return -EFBIG;
        }
        if (archive_write_data_block(out, buf, len, off) != ARCHIVE_OK) {
            strbuf_addf(err, "'%s': '%s': %s", path, name,
                        archive_error_string(out));
            return -EIO;
        }
    }
    if (r != ARCHIVE_EOF) {
        strbuf_addf(err, "'%s': '%s': %s", path, name,
                    archive_error_string(in));
        return -EIO;
    }
    return 0;
}

/* What unpacking one bundle carries from member to member. */
struct unpack {
    struct archive *in, *out;
    const char *path, *dest;
    const struct bundle_policy *p;
    char *top;                      /* the run directory's name */
    unsigned long members;
    unsigned long long total;       /* bytes unpacked */
};

/* One member, checked, then written under u->dest.  0 or -errno with the
 * reason. */
static int unpack_member(struct unpack *u, struct archive_entry *e,
                         struct strbuf *err)
{
    const struct bundle_policy *p = u->p;
    /* A copy: setting the entry's path below frees its own. */
    char *name = xstrdup(archive_entry_pathname(e) ?: "");
    bool dir = archive_entry_filetype(e) == AE_IFDIR;
    char *full;
    int rc = 0;

    if (!*name) {
        strbuf_addf(err, "'%s': a member without a name", u->path);
        rc = -EINVAL;
    } else if ((rc = check_member(u->path, e, name, &u->top, p, err))) {
        /* the reason is said */
    } else if (p && p->max_members && ++u->members > p->max_members) {
        strbuf_addf(err, "'%s': more than %lu members", u->path,
                    p->max_members);
        rc = -EFBIG;
    } else if (p && p->max_bytes && archive_entry_size_is_set(e)
               && (unsigned long long)archive_entry_size(e)
                      > p->max_bytes - u->total) {
        /* The header's size refuses early what the data would refuse
         * late; copy_data() counts what really comes. */
        strbuf_addf(err, "'%s': more than %llu bytes unpacked (at '%s')",
                    u->path, p->max_bytes, name);
        rc = -EFBIG;
    }
    if (rc) {
        free(name);
        return rc;
    }
    /* Owner and mode are the server's: readable by the web server,
     * writable by nobody else, no set-id bits from the bundle. */
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    full = xasprintf("%s/%s", u->dest, name);
    archive_entry_set_pathname(e, full);
    free(full);
    if (archive_write_header(u->out, e) != ARCHIVE_OK) {
        strbuf_addf(err, "'%s': '%s': %s", u->path, name,
                    archive_error_string(u->out));
        rc = -EINVAL;
    } else {
        rc = copy_data(u->in, u->out, u->path, name, &u->total, p, err);
    }
    free(name);
    return rc;
}

int bundle_extract_checked(const char *path, const char *dest,
                           const struct bundle_policy *p, char **run_dir,
                           struct strbuf *err)
{
    struct unpack u = { .in = archive_read_new(),
                        .out = archive_write_disk_new(), .path = path,
                        .dest = dest, .p = p };
    struct archive_entry *e;
    int rc = 0, r = ARCHIVE_OK;

    archive_read_support_filter_gzip(u.in);
    archive_read_support_format_tar(u.in);
    /* The members are put under 'dest' by absolute path, so libarchive's
     * own absolute-path guard cannot serve: the names are checked in
     * check_member(), and ".." and links stay refused here too. */
    archive_write_disk_set_options(u.out, ARCHIVE_EXTRACT_SECURE_NODOTDOT
                                   | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    if (archive_read_open_filename(u.in, path, 65536) != ARCHIVE_OK) {
        strbuf_addf(err, "cannot read '%s': %s", path,
                    archive_error_string(u.in));
        rc = -EINVAL;
    }
    while (!rc && (r = archive_read_next_header(u.in, &e)) == ARCHIVE_OK)
        rc = unpack_member(&u, e, err);
    if (!rc && r != ARCHIVE_EOF) {
        strbuf_addf(err, "cannot read '%s': %s", path,
                    archive_error_string(u.in));
        rc = -EINVAL;
    }
    if (!rc && !u.top) {
        strbuf_addf(err, "'%s' is empty", path);
        rc = -EINVAL;
    }
    archive_read_free(u.in);
    archive_write_free(u.out);
    if (!rc)
        *run_dir = xasprintf("%s/%s", dest, u.top);
    free(u.top);
    return rc;
}
