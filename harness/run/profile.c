#include "run/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "report/post.h"

void profile_list(const char *profiles_dir, struct strbuf *out)
{
    struct dirent **names;
    int n = scandir(profiles_dir, &names, NULL, alphasort);
    bool first = true;

    for (int i = 0; i < n; i++) {
        char *conf = xasprintf("%s/%s/perftests.conf", profiles_dir,
                               names[i]->d_name);
        if (names[i]->d_name[0] != '.' && path_is_file(conf)) {
            strbuf_addf(out, "%s%s", first ? "" : " ", names[i]->d_name);
            first = false;
        }
        free(conf);
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

int profile_resolve(const struct profile_request *req, char **path,
                    char **name, struct strbuf *errs)
{
    const char *n = req->name;

    *path = *name = NULL;
    if (n && (strchr(n, '/') || strstr(n, ".conf"))) {
        if (!path_is_file(n)) {
            strbuf_addf(errs, "-p/--profile: cannot read profile file '%s': "
                              "%s\n", n, strerror(ENOENT));
            return -ENOENT;
        }
        *path = xstrdup(n);
        *name = xstrdup(n);
        return 0;
    }
    if (n) {
        *path = xasprintf("%s/%s/perftests.conf", req->profiles_dir, n);
        if (path_is_file(*path)) {
            *name = xstrdup(n);
            return 0;
        }
        strbuf_addf(errs, "-p/--profile: no profile '%s' (no %s); "
                          "expected one of: ", n, *path);
        profile_list(req->profiles_dir, errs);
        strbuf_addstr(errs, ", or a path to a perftests.conf\n");
        free(*path);
        *path = NULL;
        return -ENOENT;
    }
    /* The original's lookup: this host's own profile, else the default. */
    const char *tries[] = { req->hostname, "default" };
    for (size_t i = 0; i < 2; i++) {
        if (!tries[i] || !*tries[i])
            continue;
        char *p = xasprintf("%s/%s/perftests.conf", req->profiles_dir,
                            tries[i]);
        if (path_is_file(p)) {
            *path = p;
            *name = xstrdup(tries[i]);
            return 0;
        }
        free(p);
    }
    *name = xstrdup("built-in");
    return 0;
}

/* Reads the key that starts line 'lineno' of 'path' into 'key' ("" when
 * there is none) and tells whether the line is in the original's shell
 * syntax (KEY=value with an unquoted word): the commonest cause of a syntax
 * error, and it deserves a message that says how to write it instead. */
static bool line_key(const char *path, int lineno, char *key, size_t keylen)
{
    struct strbuf sb = STRBUF_INIT;
    const char *line;
    bool shell = false;
    size_t n = 0;

    key[0] = '\0';
    if (strbuf_read_file(&sb, path) < 0)
        goto out;
    line = sb.buf;
    for (int i = 1; i < lineno && line; i++) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    if (!line)
        goto out;
    while (*line == ' ' || *line == '\t')
        line++;
    if (!strncmp(line, "export ", 7))
        line += 7;
    while (isalnum((unsigned char)line[n]) || line[n] == '_')
        n++;
    if (n && n < keylen) {
        memcpy(key, line, n);
        key[n] = '\0';
        shell = line[n] == '=' && line[n + 1] != '"';
    }
out:
    strbuf_dispose(&sb);
    return shell;
}

/* Converts one libconfig setting into the text settings_set_text() parses,
 * with a type check first so the message names what was written. */
static int setting_text(const struct setting_def *def,
                        const config_setting_t *cs, struct strbuf *text,
                        struct strbuf *why)
{
    int type = config_setting_type(cs);

    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        if (def->type == SETTING_STRING)
            goto want_string;
        strbuf_addf(text, "%lld", config_setting_get_int64(cs));
        return 0;
    case CONFIG_TYPE_FLOAT:
        if (def->type == SETTING_STRING)
            goto want_string;
        if (def->type == SETTING_INT) {
            strbuf_addf(why, "expected an integer, got %g",
                        config_setting_get_float(cs));
            return -EINVAL;
        }
        strbuf_addf(text, "%.17g", config_setting_get_float(cs));
        return 0;
    case CONFIG_TYPE_STRING:
        if (def->type != SETTING_STRING) {
            strbuf_addf(why, "expected %s, got the string \"%s\" (write "
                             "numbers without quotes)",
                        def->type == SETTING_INT ? "an integer" : "a number",
                        config_setting_get_string(cs));
            return -EINVAL;
        }
        strbuf_addstr(text, config_setting_get_string(cs));
        return 0;
    default:
        strbuf_addstr(why, def->type == SETTING_STRING
                               ? "expected a string in double quotes"
                               : "expected a number");
        return -EINVAL;
    }
want_string:
    strbuf_addstr(why, "expected a string in double quotes");
    return -EINVAL;
}

/* The file a setting or an error of the profile 'path' comes from, as a
 * user can open it: libconfig 1.5 names an @include'd file as it was
 * written (relative to the profile's folder), and the top one not at
 * all. */
static char *source_of(const char *path, const char *file)
{
    const char *slash = strrchr(path, '/');

    if (!file)
        return xstrdup(path);
    /* libconfig 1.7 names it with the include folder already. */
    if (file[0] == '/' || !slash
        || (!strncmp(file, path, (size_t)(slash - path) + 1)))
        return xstrdup(file);
    return xasprintf("%.*s/%s", (int)(slash - path), path, file);
}

int profile_load_file(struct settings *s, const char *path, struct strbuf *errs)
{
    int seen_line[N_SETTINGS] = { 0 };
    config_t cfg;
    int n_err = 0;

    /* config_read_file() of Debian 12's libconfig 1.5 frees a stack
     * address on some inputs (seen under ASan); reading a FILE is sound. */
    FILE *f = fopen(path, "re");
    if (!f) {
        strbuf_addf(errs, "%s: cannot read profile: %s\n", path,
                    strerror(errno));
        return 1;
    }
    config_init(&cfg);
    /* @include "x.conf" is read beside the profile, not in the caller's
     * working directory. */
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    config_set_include_dir(&cfg, slash ? dir : ".");
    int ok = config_read(&cfg, f);
    free(dir);
    fclose(f);
    if (ok == CONFIG_FALSE) {
        char key[64];
        int line = config_error_line(&cfg);
        /* An error in an @include'd file is that file's line. */
        char *where = source_of(path, config_error_file(&cfg));

        bool shell = line_key(where, line, key, sizeof key);

        if (shell)
            strbuf_addf(errs, "%s:%d: %s: shell-style assignment; profiles "
                              "are libconfig files: write %s = \"value\"; "
                              "(strings in double quotes, numbers bare)\n",
                        where, line, key, key);
        else if (key[0] && !strcmp(config_error_text(&cfg),
                                   "duplicate setting name"))
            strbuf_addf(errs, "%s:%d: %s: duplicate key\n", where, line, key);
        else
            strbuf_addf(errs, "%s:%d: syntax error: %s\n", where, line,
                        config_error_text(&cfg));
        free(where);
        config_destroy(&cfg);
        return 1;
    }

    config_setting_t *root = config_root_setting(&cfg);
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *cs = config_setting_get_elem(root, i);
        const char *key = config_setting_name(cs);
        int line = config_setting_source_line(cs);
        /* A key from an @include'd file is named with that file's line. */
        char *file = source_of(path, config_setting_source_file(cs));
        int id = settings_find(key);
        struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;

        if (id < 0) {
            const char *hint = settings_suggest(key);
            strbuf_addf(errs, "%s:%d: unknown key '%s'", file, line, key);
            if (hint)
                strbuf_addf(errs, " (did you mean '%s'?)", hint);
            strbuf_addch(errs, '\n');
            n_err++;
        } else if (seen_line[id]) {
            /* libconfig rejects a repeated name itself; this catches a key
             * given both by its name and by its alias. */
            strbuf_addf(errs, "%s:%d: %s: duplicate key, already set at "
                              "line %d\n", file, line, setting_defs[id].key,
                        seen_line[id]);
            n_err++;
        } else if (setting_text(&setting_defs[id], cs, &text, &why)
                   || settings_set_text(s, id, text.buf, SOURCE_PROFILE,
                                        file, line, &why)) {
            strbuf_addf(errs, "%s:%d: %s: %s\n", file, line, key, why.buf);
            n_err++;
        }
        if (id >= 0 && !seen_line[id])
            seen_line[id] = line;
        strbuf_dispose(&text);
        strbuf_dispose(&why);
        free(file);
    }
    config_destroy(&cfg);
    return n_err;
}

int profile_load_env(struct settings *s, char **envp, struct strbuf *errs)
{
    int n_err = 0;

    for (char **e = envp; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char key[128];
        int id;

        if (!eq || (size_t)(eq - *e) >= sizeof key)
            continue;
        memcpy(key, *e, (size_t)(eq - *e));
        key[eq - *e] = '\0';
        id = settings_find(key);
        if (id < 0)
            continue;

        struct strbuf why = STRBUF_INIT;
        if (settings_set_text(s, id, eq + 1, SOURCE_ENV, NULL, 0, &why)) {
            strbuf_addf(errs, "environment variable %s: %s\n", key, why.buf);
            n_err++;
        }
        strbuf_dispose(&why);
    }
    return n_err;
}

int profile_apply_override(struct settings *s, const char *kv,
                           struct strbuf *errs)
{
    const char *eq = strchr(kv, '=');
    struct strbuf why = STRBUF_INIT;
    char *key;
    int id, n_err = 0;

    if (!eq || eq == kv) {
        strbuf_addf(errs, "-o %s: expected KEY=VALUE\n", kv);
        return 1;
    }
    key = xstrdup(kv);
    key[eq - kv] = '\0';
    id = settings_find(key);
    if (id < 0) {
        const char *hint = settings_suggest(key);
        strbuf_addf(errs, "-o %s: unknown key '%s'", kv, key);
        if (hint)
            strbuf_addf(errs, " (did you mean '%s'?)", hint);
        strbuf_addch(errs, '\n');
        n_err = 1;
    } else if (settings_set_text(s, id, eq + 1, SOURCE_CMDLINE, NULL, 0,
                                 &why)) {
        strbuf_addf(errs, "-o %s: %s: %s\n", kv, setting_defs[id].key,
                    why.buf);
        n_err = 1;
    }
    free(key);
    strbuf_dispose(&why);
    return n_err;
}

/* Rules that involve two keys, checked once every source has spoken.
 * Returns how many were broken, each a line in 'errs'. */
/* The stepped scan makes its list of rates up front (and runs a burst and
 * a pause for each): a step of 1 pps up to 100 Mpps would be 800 MB of
 * rates and years of bursts, so the count is capped and the error says
 * the smallest step that fits. */
static int check_scan_steps(const struct settings *s, struct strbuf *errs)
{
    struct strbuf src = STRBUF_INIT;
    long long start = settings_int(s, SETTING_THROUGHPUT_SCAN_START_RATE);
    long long step = settings_int(s, SETTING_THROUGHPUT_SCAN_STEP);
    long long max = settings_int(s, SETTING_THROUGHPUT_MAX_SCAN_RATE);
    long long n = start > max ? 0 : (max - start) / step + 1;

    if (strcmp(settings_str(s, SETTING_THROUGHPUT_SEARCH), "steps")
        || n <= PT_SCAN_MAX_STEPS)
        return 0;
    settings_format_source(s, SETTING_THROUGHPUT_SCAN_STEP, &src);
    strbuf_addf(errs, "%s: THROUGHPUT_SCAN_STEP: %lld pps from "
                      "THROUGHPUT_SCAN_START_RATE %lld to THROUGHPUT_MAX_SCAN_"
                      "RATE %lld is %lld steps: expected at most %d steps, a "
                      "THROUGHPUT_SCAN_STEP of at least %lld\n", src.buf, step,
                start, max, n, PT_SCAN_MAX_STEPS,
                (max - start) / (PT_SCAN_MAX_STEPS - 1)
                    + ((max - start) % (PT_SCAN_MAX_STEPS - 1) != 0));
    strbuf_dispose(&src);
    return 1;
}

/* An scp/sftp REPORT_URL needs a known_hosts file to check the server
 * against: said before the run, not after it when the bundle is due. */
static int check_known_hosts(const struct settings *s, struct strbuf *errs)
{
    struct strbuf src = STRBUF_INIT;
    char *known;
    int n = 0;

    if (!post_url_is_ssh(settings_str(s, SETTING_REPORT_URL)))
        return 0;
    known = post_known_hosts(settings_str(s, SETTING_REPORT_KNOWN_HOSTS));
    if (access(known, R_OK)) {
        settings_format_source(s, SETTING_REPORT_KNOWN_HOSTS, &src);
        strbuf_addf(errs, "%s: REPORT_KNOWN_HOSTS: cannot read '%s': %s: "
                          "expected the known_hosts file that holds the "
                          "host key of REPORT_URL's server\n", src.buf, known,
                    strerror(errno));
        n = 1;
    }
    strbuf_dispose(&src);
    free(known);
    return n;
}

static int check_together(const struct settings *s, struct strbuf *errs)
{
    struct strbuf src = STRBUF_INIT;
    double longest = fmax(settings_double(s, SETTING_SEARCH_TRIAL_DURATION),
                          settings_double(s, SETTING_SEARCH_FINAL_DURATION));
    long long rate = settings_int(s, SETTING_THROUGHPUT_MAX_SCAN_RATE);
    int n = 0;

    if (!strcmp(settings_str(s, SETTING_PROTOCOL), "tcp")
        && settings_int(s, SETTING_FRAME_SIZE) < 72) {
        settings_format_source(s, SETTING_FRAME_SIZE, &src);
        strbuf_addf(errs, "%s: FRAME_SIZE: %lld is too small for PROTOCOL "
                          "tcp: expected 72 to 1514\n", src.buf,
                    settings_int(s, SETTING_FRAME_SIZE));
        n++;
    }
    /* A search trial sends rate x duration frames: the same cap as a
     * burst, said in the keys the user set. */
    if (strcmp(settings_str(s, SETTING_THROUGHPUT_SEARCH), "steps")
        && (double)rate * longest > PT_TRIAL_MAX_FRAMES) {
        strbuf_reset(&src);
        settings_format_source(s, SETTING_THROUGHPUT_MAX_SCAN_RATE, &src);
        strbuf_addf(errs, "%s: THROUGHPUT_MAX_SCAN_RATE: %lld pps for "
                          "%g s trials (SEARCH_TRIAL_DURATION, "
                          "SEARCH_FINAL_DURATION) is more than %d frames a "
                          "trial: expected at most %.0f pps, or shorter "
                          "trials\n", src.buf, rate, longest,
                    PT_TRIAL_MAX_FRAMES, floor(PT_TRIAL_MAX_FRAMES / longest));
        n++;
    }
    n += check_scan_steps(s, errs);
    n += check_known_hosts(s, errs);
    if (settings_double(s, SETTING_SEARCH_DURATION_SUM)
        < settings_double(s, SETTING_SEARCH_FINAL_DURATION)) {
        strbuf_reset(&src);
        settings_format_source(s, SETTING_SEARCH_DURATION_SUM, &src);
        strbuf_addf(errs, "%s: SEARCH_DURATION_SUM: %g is shorter than one "
                          "final trial: expected at least SEARCH_FINAL_"
                          "DURATION (%g)\n", src.buf,
                    settings_double(s, SETTING_SEARCH_DURATION_SUM),
                    settings_double(s, SETTING_SEARCH_FINAL_DURATION));
        n++;
    }
    strbuf_dispose(&src);
    return n;
}

int profile_load(struct settings *s, const struct profile_request *req,
                 struct strbuf *errs)
{
    char *path, *name;
    int n_err;

    settings_init(s);
    if (profile_resolve(req, &path, &name, errs))
        return 1;
    s->profile_path = path;
    s->profile_name = name;
    n_err = path ? profile_load_file(s, path, errs) : 0;
    n_err += profile_load_env(s, req->envp, errs);
    for (char **o = req->overrides; o && *o; o++)
        n_err += profile_apply_override(s, *o, errs);
    if (!n_err)
        n_err += check_together(s, errs);
    return n_err;
}
