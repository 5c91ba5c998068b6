/* Installing a build's .deb files (packages.h).  apt-get, not dpkg -i:
 * given ./file.deb arguments it takes those files and fetches whatever
 * they depend on, where dpkg -i would stop at the first missing
 * dependency and leave the system half configured. */
#include "sut/packages.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/proc.h"
#include "lib/util.h"

extern char **environ;

static bool is_deb(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && !strcmp(name + n - 4, ".deb") && name[0] != '.';
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .deb names in 'dir', sorted, NULL-terminated; NULL when 'dir' cannot
 * be read. */
static char **deb_names(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;

    *n = 0;
    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        if (!is_deb(e->d_name))
            continue;
        names = xrealloc(names, (*n + 2) * sizeof *names);
        names[(*n)++] = xstrdup(e->d_name);
        names[*n] = NULL;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_names);
    return names ? names : xcalloc(1, sizeof *names);
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

bool sut_packages_check_dir(const char *dir, struct strbuf *why)
{
    size_t n = 0;
    char **names;

    if (!*dir)
        return true;
    names = deb_names(dir, &n);
    free_names(names);
    if (n)
        return true;
    strbuf_addf(why, "expected a directory with the build's .deb files; "
                "'%s' %s", dir, names ? "has no .deb file"
                                      : "is no directory we can read");
    return false;
}

/* "Package: x\nVersion: y\n" (what dpkg-deb -f prints) -> the value of
 * 'field', or NULL. */
static json_t *control_field(const char *text, const char *field)
{
    size_t n = strlen(field);

    for (const char *line = text; line && *line;) {
        size_t len = strcspn(line, "\n");
        if (!strncmp(line, field, n) && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            return json_stringn(v, len - (size_t)(v - line));
        }
        line = line[len] ? line + len + 1 : NULL;
    }
    return NULL;
}

int sut_packages_list(const char *dir, json_t **pkgs, struct strbuf *err)
{
    size_t n;
    char *abs = realpath(dir, NULL);
    char **names = abs ? deb_names(abs, &n) : NULL;
    int rc = 0;

    *pkgs = NULL;
    if (!names || !n) {
        strbuf_addf(err, "'%s' %s", dir, names ? "has no .deb file"
                                               : "is no directory");
        free_names(names);
        free(abs);
        return -ENOENT;
    }
    *pkgs = json_array();
    for (size_t i = 0; i < n && !rc; i++) {
        char *file = xasprintf("%s/%s", abs, names[i]);
        char *argv[] = { "dpkg-deb", "-f", file, "Package", "Version", NULL };
        struct strbuf out = STRBUF_INIT;
        int st = proc_capture(argv, &(struct proc_spawn_opts){ 0 }, &out);
        json_t *pkg = control_field(out.buf, "Package");
        json_t *version = control_field(out.buf, "Version");

        if (st || !pkg || !version) {
            strbuf_addf(err, "dpkg-deb cannot read '%s' (%s)", file,
                        st < 0 ? strerror(-st) : "no Package and Version");
            json_decref(pkg);
            json_decref(version);
            rc = -EIO;
        } else {
            json_array_append_new(*pkgs, json_pack("{s:s, s:o, s:o}", "file",
                                                    file, "package", pkg,
                                                    "version", version));
        }
        strbuf_dispose(&out);
        free(file);
    }
    free_names(names);
    free(abs);
    if (rc) {
        json_decref(*pkgs);
        *pkgs = NULL;
    }
    return rc;
}

/* apt's and dpkg's own words from the log: their "E:" and "dpkg:" lines
 * and the unmet dependencies apt lists before its "E: Unable to correct
 * problems" (" pkg : Depends: other but it is not installable"), which
 * say what is wrong; else the last line. */
static void add_apt_errors(struct strbuf *err, const char *log_path)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = 0;

    if (strbuf_read_file(&sb, log_path) == 0) {
        strbuf_rtrim(&sb);
        for (char *line = sb.buf; line && *line;) {
            char *next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            bool unmet = strstr(line, " : ") && (strstr(line, "Depends:")
                                                 || strstr(line, "Breaks:")
                                                 || strstr(line,
                                                           "Conflicts:"));
            while (unmet && *line == ' ')
                line++;
            if (unmet || !strncmp(line, "E: ", 3)
                || !strncmp(line, "dpkg: ", 6))
                strbuf_addf(err, "%s%s", n++ ? "; " : ": ", line);
            if (!next && !n && *line)
                strbuf_addf(err, ": %s", line);
            line = next;
        }
    }
    strbuf_addf(err, " (see %s)", log_path);
    strbuf_dispose(&sb);
}

/* Ours, and no question asked: a prompt (a changed conffile, debconf)
 * would wait for a terminal nobody looks at. */
static char **apt_env(void)
{
    size_t n = 0, k = 0;
    char **envp;

    while (environ[n])
        n++;
    envp = xcalloc(n + 2, sizeof *envp);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "DEBIAN_FRONTEND=", 16))
            envp[k++] = environ[i];
    envp[k] = "DEBIAN_FRONTEND=noninteractive";
    return envp;
}

/* Whether dpkg has 'pkg' installed, in 'version'. */
static int check_installed(const char *pkg, const char *version,
                           struct strbuf *err)
{
    char *argv[] = { "dpkg-query", "-W", "-f", "${Status}\t${Version}",
                     (char *)pkg, NULL };
    char *want = xasprintf("install ok installed\t%s", version);
    struct strbuf out = STRBUF_INIT;
    int rc = proc_capture(argv, &(struct proc_spawn_opts){ 0 }, &out);

    if (rc || strcmp(out.buf, want)) {
        strbuf_addf(err, "package %s is not installed in version %s after "
                    "apt-get (dpkg-query: '%s')", pkg, version,
                    out.len ? out.buf : "unknown package");
        rc = -EIO;
    }
    strbuf_dispose(&out);
    free(want);
    return rc;
}

int sut_packages_install(const json_t *pkgs, const char *log_path,
                         struct strbuf *err)
{
    static const char *const head[] = {
        "apt-get", "install", "-y", "--reinstall", "--allow-downgrades",
        "--no-install-recommends", "-o", "Dpkg::Options::=--force-confold",
        /* A freshly booted host's apt-daily or unattended-upgrades may
         * hold dpkg's lock for a while: wait for it rather than fail. */
        "-o", "DPkg::Lock::Timeout=120",
    };
    size_t n_head = ARRAY_SIZE(head), n = json_array_size(pkgs), i;
    char **argv = xcalloc(n_head + n + 1, sizeof *argv);
    char **envp = apt_env();
    struct proc_spawn_opts opts = { .log_path = log_path, .envp = envp };
    json_t *p;
    int rc;

    memcpy(argv, head, sizeof head);
    /* Absolute paths: apt takes an argument with a '/' as a file. */
    json_array_foreach(pkgs, i, p)
        argv[n_head + i] = (char *)json_string_value(json_object_get(p,
                                                                     "file"));
    rc = proc_run(argv, &opts);
    if (rc < 0) {
        strbuf_addf(err, "cannot run apt-get: %s", strerror(-rc));
    } else if (rc > 0) {
        strbuf_addf(err, "apt-get install of %zu package%s failed with "
                    "status %d", n, n == 1 ? "" : "s", rc);
        add_apt_errors(err, log_path);
        rc = -EIO;
    }
    json_array_foreach(pkgs, i, p)
        if (!rc)
            rc = check_installed(
                json_string_value(json_object_get(p, "package")),
                json_string_value(json_object_get(p, "version")), err);
    free(argv);
    free(envp);
    return rc;
}
