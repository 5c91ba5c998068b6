#include "run/settings.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "lib/cpus.h"
#include "collectors/jmxconf.h"
#include "lib/util.h"
#include "traffic/strategy.h"

const struct setting_def setting_defs[N_SETTINGS] = {
#define SETTING_DEF_(key, alias, type, min, max, def, check, help)            \
    [SETTING_##key] = { #key, alias, type, min, max, def, check, help },
    SETTINGS_TABLE(SETTING_DEF_)
#undef SETTING_DEF_
};

bool settings_check_flow_pattern(const char *value, struct strbuf *why)
{
    if (!strcmp(value, "single") || !strcmp(value, "scan"))
        return true;
    if (!strncmp(value, "flows:", 6)) {
        char *end;
        long n;

        errno = 0;
        n = strtol(value + 6, &end, 10);
        if (!errno && end != value + 6 && !*end && n >= 1 && n <= 1000000)
            return true;
        strbuf_addstr(why, "expected flows:N with N from 1 to 1000000");
        return false;
    }
    strbuf_addstr(why, "expected single, scan or flows:N");
    return false;
}

/* A value that must be one of 'words' (NULL-terminated). */
static bool one_of(const char *value, const char *const *words,
                   struct strbuf *why)
{
    size_t n = 0;

    for (; words[n]; n++)
        if (!strcmp(value, words[n]))
            return true;
    strbuf_addstr(why, "expected ");
    for (size_t i = 0; i < n; i++)
        strbuf_add_alternative(why, i, n, words[i]);
    return false;
}

bool settings_check_protocol(const char *value, struct strbuf *why)
{
    static const char *const words[] = { "udp", "tcp", NULL };
    return one_of(value, words, why);
}

bool settings_check_report_method(const char *value, struct strbuf *why)
{
    static const char *const words[] = { "put", "post", NULL };
    return one_of(value, words, why);
}

/* A comma-separated list of collector names; the empty list is allowed. */
bool settings_check_collectors(const char *value, struct strbuf *why)
{
    char *copy = xstrdup(value), *save = NULL;
    bool ok = true;

    for (char *n = strtok_r(copy, ",", &save); n && ok;
         n = strtok_r(NULL, ",", &save)) {
        if (collector_find(n))
            continue;
        strbuf_addf(why, "unknown collector '%s': expected a comma-separated "
                    "list of", n);
        for (size_t i = 0; collector_table[i]; i++)
            strbuf_addf(why, "%s %s", i ? "," : "", collector_table[i]->name);
        ok = false;
    }
    free(copy);
    return ok;
}

/* The strategies' own table: a name accepted here is one that
 * measure_throughput() can run. */
bool settings_check_search(const char *value, struct strbuf *why)
{
    if (strategy_find(value))
        return true;
    strbuf_addstr(why, "expected ");
    strategy_add_names(why);
    return false;
}

bool settings_check_url(const char *value, struct strbuf *why)
{
    static const char *const schemes[] = {
        "http://", "https://", "scp://", "sftp://"
    };

    if (!*value)
        return true;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (!strncmp(value, schemes[i], n) && value[n])
            return true;
    }
    strbuf_addstr(why, "expected an http://, https://, scp:// or sftp:// "
                       "URL, or an empty string");
    return false;
}

bool settings_check_jmx_url(const char *value, struct strbuf *why)
{
    const char *colon = strrchr(value, ':');
    char *end;
    long port;

    if (!*value || !strcmp(value, "pid") || !strncmp(value, "service:jmx:", 12))
        return true;
    if (colon && colon > value) {
        port = strtol(colon + 1, &end, 10);
        if (colon[1] && !*end && port > 0 && port < 65536)
            return true;
    }
    strbuf_addstr(why, "expected host:port (e.g. 127.0.0.1:7200), a "
                       "service:jmx: URL, pid, or an empty string");
    return false;
}

bool settings_check_jmx_config(const char *value, struct strbuf *why)
{
    struct jmx_config cfg;
    struct strbuf err = STRBUF_INIT;
    int rc;

    if (!*value)
        return true;
    rc = jmx_config_load(value, &cfg, &err);
    jmx_config_release(&cfg);
    if (rc)
        strbuf_addf(why, "expected a jmxtrans JSON file: %s", err.buf);
    strbuf_dispose(&err);
    return !rc;
}

/* A file to read later (REPORT_CA_FILE): a wrong path is said now, with
 * exit 2, not when the bundle is due after the run. */
bool settings_check_file(const char *value, struct strbuf *why)
{
    struct stat st;

    if (!*value)
        return true;
    if (stat(value, &st) || access(value, R_OK)) {
        strbuf_addf(why, "cannot read '%s': %s", value, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        strbuf_addf(why, "'%s' is not a file", value);
        return false;
    }
    return true;
}

bool settings_check_yes_no(const char *value, struct strbuf *why)
{
    if (!strcmp(value, "yes") || !strcmp(value, "no"))
        return true;
    strbuf_addstr(why, "expected yes or no");
    return false;
}

int settings_parse_percents(const char *text, double *out, size_t max,
                            struct strbuf *why)
{
    size_t n = 0;
    const char *p = text;

    while (*p) {
        char *end;
        double v;
        errno = 0;
        v = strtod(p, &end);
        if (end == p || errno || !(v >= 0 && v <= 100)
            || (*end && *end != ',') || n == max) {
            strbuf_addf(why, "expected up to %zu comma-separated percents "
                        "from 0 to 100, like 0,10,50,90", max);
            return -EINVAL;
        }
        out[n++] = v;
        p = *end ? end + 1 : end;
    }
    return (int)n;
}

bool settings_check_latency_loads(const char *value, struct strbuf *why)
{
    double loads[PT_MAX_LATENCY_LOADS];

    return settings_parse_percents(value, loads, PT_MAX_LATENCY_LOADS,
                                   why) >= 0;
}

bool settings_check_cpus(const char *value, struct strbuf *why)
{
    cpu_set_t set;

    if (!strcmp(value, "auto") || !strcmp(value, "none"))
        return true;
    if (!cpus_parse(value, &set, NULL))
        return true;
    strbuf_addstr(why, "expected auto, none or a CPU list like 0 or 2-7,9");
    return false;
}

static void clear_value(struct setting_value *v)
{
    free(v->s);
    free(v->file);
    memset(v, 0, sizeof *v);
}

void settings_init(struct settings *s)
{
    memset(s, 0, sizeof *s);
    for (int id = 0; id < N_SETTINGS; id++) {
        struct strbuf why = STRBUF_INIT;
        /* The table's defaults are valid by construction; a bad one is a
         * programming error that the unit tests catch. */
        settings_set_text(s, id, setting_defs[id].def, SOURCE_DEFAULT, NULL,
                          0, &why);
        strbuf_dispose(&why);
    }
}

void settings_release(struct settings *s)
{
    for (int id = 0; id < N_SETTINGS; id++)
        clear_value(&s->v[id]);
    free(s->profile_name);
    free(s->profile_path);
    memset(s, 0, sizeof *s);
}

int settings_find(const char *key)
{
    for (int id = 0; id < N_SETTINGS; id++) {
        if (!strcmp(setting_defs[id].key, key)
            || (setting_defs[id].alias && !strcmp(setting_defs[id].alias, key)))
            return id;
    }
    return -1;
}

/* Case-insensitive Levenshtein distance: "did you mean" should forgive
 * a lower-case key as well as a typo. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = xcalloc(lb + 1, sizeof *row);
    size_t result;

    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = toupper((unsigned char)a[i - 1])
                          != toupper((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    result = row[lb];
    free(row);
    return result;
}

const char *settings_suggest(const char *key)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;

    for (int id = 0; id < N_SETTINGS; id++) {
        size_t d = distance(key, setting_defs[id].key);
        if (d < best_d) {
            best_d = d;
            best = setting_defs[id].key;
        }
    }
    /* A suggestion far from what was typed is noise. */
    return best_d <= strlen(key) / 3 + 2 ? best : NULL;
}

static int parse_number(const struct setting_def *def, const char *text,
                        long long *iv, double *dv, struct strbuf *why)
{
    char *end;

    errno = 0;
    if (def->type == SETTING_INT) {
        *iv = strtoll(text, &end, 10);
        *dv = (double)*iv;
        if (errno || end == text || *end) {
            strbuf_addf(why, "expected an integer, got '%s'", text);
            return -EINVAL;
        }
    } else {
        *dv = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(*dv)) {
            strbuf_addf(why, "expected a number, got '%s'", text);
            return -EINVAL;
        }
    }
    if (*dv < def->min || *dv > def->max) {
        strbuf_addf(why, "%s is out of range: expected %g to %g", text,
                    def->min, def->max);
        return -EINVAL;
    }
    return 0;
}

int settings_set_text(struct settings *s, enum setting_id id,
                      const char *text, enum setting_source source,
                      const char *file, int line, struct strbuf *why)
{
    const struct setting_def *def = &setting_defs[id];
    struct setting_value *v = &s->v[id];
    long long iv = 0;
    double dv = 0;

    if (def->type == SETTING_STRING) {
        if (def->check && !def->check(text, why))
            return -EINVAL;
    } else if (parse_number(def, text, &iv, &dv, why)) {
        return -EINVAL;
    }
    clear_value(v);
    v->i = iv;
    v->d = dv;
    v->s = xstrdup(text);
    v->source = source;
    v->file = file ? xstrdup(file) : NULL;
    v->line = line;
    return 0;
}

const char *settings_source_to_text(enum setting_source source)
{
    switch (source) {
    case SOURCE_DEFAULT: return "default";
    case SOURCE_PROFILE: return "profile";
    case SOURCE_ENV: return "environment";
    case SOURCE_CMDLINE: return "command line";
    }
    return "?";
}

void settings_format_source(const struct settings *s, enum setting_id id,
                            struct strbuf *out)
{
    const struct setting_value *v = &s->v[id];

    switch (v->source) {
    case SOURCE_PROFILE:
        strbuf_addf(out, "%s:%d", v->file, v->line);
        break;
    case SOURCE_ENV:
        strbuf_addstr(out, "environment");
        break;
    case SOURCE_CMDLINE:
        strbuf_addstr(out, "-o");
        break;
    default:
        strbuf_addstr(out, "default");
    }
}

void settings_describe(const struct settings *s, enum setting_id id,
                       int width, struct strbuf *out)
{
    char *shown = url_redact(s->v[id].s);

    strbuf_addf(out, "%-*s = %-12s (", width, setting_defs[id].key,
                setting_defs[id].type == SETTING_STRING && !*shown
                    ? "\"\"" : shown);
    settings_format_source(s, id, out);
    strbuf_addch(out, ')');
    free(shown);
}
