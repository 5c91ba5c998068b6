#include "remote/hosts.h"

#include <errno.h>
#include <stdbool.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* A host's string member 'key': a copy, NULL when absent (or "" when not
 * required); a member of another type is an error. */
static char *member(const struct hosts *h, config_setting_t *g,
                    const char *key, bool required, struct strbuf *errs,
                    int *n_err)
{
    config_setting_t *m = config_setting_get_member(g, key);
    int line = m ? config_setting_source_line(m)
                 : config_setting_source_line(g);

    if (!m) {
        if (required) {
            strbuf_addf(errs, "%s:%d: host: missing %s = \"...\";\n",
                        h->path, line, key);
            (*n_err)++;
        }
        return NULL;
    }
    if (config_setting_type(m) != CONFIG_TYPE_STRING
        || (required && !*config_setting_get_string(m))) {
        strbuf_addf(errs, "%s:%d: %s: expected a non-empty string in double "
                    "quotes\n", h->path, line, key);
        (*n_err)++;
        return NULL;
    }
    const char *v = config_setting_get_string(m);
    return *v ? xstrdup(v) : NULL;
}

/* Names go into file names (hosts/<name>/) and log lines. */
static bool name_ok(const char *name)
{
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789._-") == strlen(name)
           && name[0] != '.' && strlen(name) <= 32;
}

static void load_host(struct hosts *h, config_setting_t *g,
                      const char *default_agent, struct strbuf *errs,
                      int *n_err)
{
    static const char *const known[] = { "name", "ssh", "interface",
                                         "address", "namespace", "agent" };
    struct host *x = &h->v[h->n];
    int line = config_setting_source_line(g);

    if (!config_setting_is_group(g)) {
        strbuf_addf(errs, "%s:%d: hosts: expected a group { name = ...; "
                    "ssh = ...; interface = ...; address = ...; }\n",
                    h->path, line);
        (*n_err)++;
        return;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, i);
        size_t k = 0;
        while (k < sizeof known / sizeof *known
               && strcmp(known[k], config_setting_name(m)))
            k++;
        if (k == sizeof known / sizeof *known) {
            strbuf_addf(errs, "%s:%d: host: unknown key '%s' (expected name, "
                        "ssh, interface, address, namespace, agent)\n",
                        h->path, config_setting_source_line(m),
                        config_setting_name(m));
            (*n_err)++;
        }
    }
    memset(x, 0, sizeof *x);
    x->line = line;
    x->name = member(h, g, "name", true, errs, n_err);
    x->ssh = member(h, g, "ssh", true, errs, n_err);
    /* A host that is only a SUT's has no endpoint: the run asks for
     * these of --source and --dest. */
    x->interface = member(h, g, "interface", false, errs, n_err);
    x->address = member(h, g, "address", false, errs, n_err);
    x->ns = member(h, g, "namespace", false, errs, n_err);
    x->agent = member(h, g, "agent", false, errs, n_err);
    if (!x->agent)
        x->agent = xstrdup(default_agent);
    h->n++;
    if (x->name && !name_ok(x->name)) {
        strbuf_addf(errs, "%s:%d: name: '%s': expected letters, digits, "
                    "'.', '_' or '-' (up to 32)\n", h->path, line, x->name);
        (*n_err)++;
    } else if (x->name && hosts_find(h, x->name) != x) {
        strbuf_addf(errs, "%s:%d: name: '%s' is defined twice (first at "
                    "line %d)\n", h->path, line, x->name,
                    hosts_find(h, x->name)->line);
        (*n_err)++;
    }
    if (x->address && !strchr(x->address, '/')) {
        strbuf_addf(errs, "%s:%d: address: '%s': expected an address with "
                    "its prefix, e.g. \"198.18.1.10/24\"\n", h->path, line,
                    x->address);
        (*n_err)++;
    }
    if (x->interface && strlen(x->interface) >= 16) {
        strbuf_addf(errs, "%s:%d: interface: '%s': expected an interface "
                    "name (up to 15 characters)\n", h->path, line,
                    x->interface);
        (*n_err)++;
    }
}

int hosts_load(struct hosts *h, const char *path, struct strbuf *errs)
{
    config_setting_t *list, *m;
    const char *agent = HOSTS_DEFAULT_AGENT;
    int n_err = 0;
    config_t cfg;
    FILE *f;

    memset(h, 0, sizeof *h);
    h->path = xstrdup(path);
    /* A FILE, not config_read_file(): see profile_load_file(). */
    f = fopen(path, "re");
    if (!f) {
        int e = errno;
        strbuf_addf(errs, "%s: cannot read the hosts file: %s\n", path,
                    strerror(e));
        return -e;
    }
    config_init(&cfg);
    if (config_read(&cfg, f) == CONFIG_FALSE) {
        strbuf_addf(errs, "%s:%d: syntax error: %s\n", path,
                    config_error_line(&cfg), config_error_text(&cfg));
        fclose(f);
        config_destroy(&cfg);
        return -EINVAL;
    }
    fclose(f);
    config_setting_t *root = config_root_setting(&cfg);
    for (int i = 0; i < config_setting_length(root); i++) {
        m = config_setting_get_elem(root, i);
        const char *key = config_setting_name(m);
        int line = config_setting_source_line(m);

        if (!strcmp(key, "hosts"))
            continue;
        if (strcmp(key, "ssh_config") && strcmp(key, "agent")) {
            strbuf_addf(errs, "%s:%d: unknown key '%s' (expected hosts, "
                        "ssh_config, agent)\n", path, line, key);
            n_err++;
        } else if (config_setting_type(m) != CONFIG_TYPE_STRING
                   || !*config_setting_get_string(m)) {
            strbuf_addf(errs, "%s:%d: %s: expected a non-empty string in "
                        "double quotes\n", path, line, key);
            n_err++;
        } else if (!strcmp(key, "agent")) {
            agent = config_setting_get_string(m);
        } else {
            /* A relative path is the hosts file's neighbour, wherever
             * the run starts. */
            const char *v = config_setting_get_string(m);
            const char *slash = strrchr(path, '/');
            h->ssh_config = v[0] == '/' || !slash
                ? xstrdup(v) : xasprintf("%.*s/%s", (int)(slash - path),
                                         path, v);
        }
    }
    list = config_setting_get_member(root, "hosts");
    if (!list || (!config_setting_is_list(list)
                  && !config_setting_is_array(list))
        || !config_setting_length(list)) {
        strbuf_addf(errs, "%s:%d: expected hosts = ( { name = \"...\"; "
                    "ssh = \"...\"; interface = \"...\"; address = \"...\"; "
                    "}, ... );\n", path,
                    list ? config_setting_source_line(list) : 1);
        n_err++;
    } else {
        h->v = xcalloc((size_t)config_setting_length(list), sizeof *h->v);
        for (int i = 0; i < config_setting_length(list); i++)
            load_host(h, config_setting_get_elem(list, i), agent, errs,
                      &n_err);
    }
    config_destroy(&cfg);
    return n_err ? -EINVAL : 0;
}

void hosts_release(struct hosts *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].ssh);
        free(h->v[i].interface);
        free(h->v[i].address);
        free(h->v[i].ns);
        free(h->v[i].agent);
    }
    free(h->v);
    free(h->path);
    free(h->ssh_config);
    memset(h, 0, sizeof *h);
}

const struct host *hosts_find(const struct hosts *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].name && !strcmp(h->v[i].name, name))
            return &h->v[i];
    return NULL;
}

void hosts_names(const struct hosts *h, struct strbuf *out)
{
    bool first = true;

    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].name) {
            strbuf_addf(out, "%s%s", first ? "" : ", ", h->v[i].name);
            first = false;
        }
}
