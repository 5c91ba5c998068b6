#include "run/metadata.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"

#include "version.h"     /* build/version.h, from the Makefile */

static const char *const jenkins_vars[] = {
    "BUILD_NUMBER", "JOB_NAME", "GIT_COMMIT", "NODE_NAME", "BUILD_URL",
};

void metadata_iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Value of the first "key : value" line of a /proc file, or NULL. */
static char *proc_field(const char *path, const char *key)
{
    struct strbuf sb = STRBUF_INIT;
    char *result = NULL;
    size_t klen = strlen(key);

    if (strbuf_read_file(&sb, path) < 0)
        goto out;
    for (char *line = sb.buf; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!strncmp(line, key, klen) && strchr(" \t:", line[klen])) {
            char *v = strchr(line, ':');
            if (v) {
                v++;
                while (*v == ' ' || *v == '\t')
                    v++;
                result = xstrdup(v);
            }
            break;
        }
        line = next;
    }
out:
    strbuf_dispose(&sb);
    return result;
}

json_t *metadata_host(void)
{
    json_t *host = json_object();
    struct utsname u;
    char name[256];
    char *model = proc_field("/proc/cpuinfo", "model name");
    char *mem = proc_field("/proc/meminfo", "MemTotal");

    if (gethostname(name, sizeof name) < 0)
        strcpy(name, "unknown");
    name[sizeof name - 1] = '\0';
    json_object_set_new(host, "hostname", json_string(name));
    if (!uname(&u)) {
        json_object_set_new(host, "kernel", json_string(u.release));
        json_object_set_new(host, "kernel_version", json_string(u.version));
        json_object_set_new(host, "machine", json_string(u.machine));
    }
    json_object_set_new(host, "cpu_model", model ? json_string(model)
                                                 : json_null());
    json_object_set_new(host, "cpu_count",
                        json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    /* MemTotal is "24576000 kB". */
    json_object_set_new(host, "memory_bytes",
                        mem ? json_integer(strtoll(mem, NULL, 10) * 1024)
                            : json_null());
    free(model);
    free(mem);
    return host;
}

json_t *metadata_settings(const struct settings *s)
{
    json_t *all = json_object();

    for (int id = 0; id < N_SETTINGS; id++) {
        const struct setting_value *v = &s->v[id];
        struct strbuf src = STRBUF_INIT;
        json_t *value;

        settings_format_source(s, id, &src);
        switch (setting_defs[id].type) {
        case SETTING_INT:
            value = json_integer(v->i);
            break;
        case SETTING_DOUBLE:
            value = json_real(v->d);
            break;
        default: {
            char *shown = url_redact(v->s);
            value = json_string(shown);
            free(shown);
        }
        }
        json_object_set_new(all, setting_defs[id].key,
                            json_pack("{s:o, s:s, s:s}", "value", value,
                                      "source",
                                      settings_source_to_text(v->source),
                                      "from", src.buf));
        strbuf_dispose(&src);
    }
    return all;
}

json_t *metadata_jenkins(void)
{
    json_t *j = json_object();

    for (size_t i = 0; i < ARRAY_SIZE(jenkins_vars); i++) {
        const char *v = getenv(jenkins_vars[i]);
        if (v && *v) {
            /* BUILD_URL may carry a user's password or a token. */
            char *shown = url_redact(v);
            json_object_set_new(j, jenkins_vars[i], json_string(shown));
            free(shown);
        }
    }
    if (!json_object_size(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *metadata_build(const struct metadata_run *run,
                       const struct settings *s)
{
    char start[32];
    json_t *doc = json_object();
    json_t *jenkins = metadata_jenkins();

    metadata_iso_time(run->start, start, sizeof start);
    json_object_set_new(doc, "run_id", json_string(run->run_id));
    json_object_set_new(doc, "uuid", json_string(run->uuid));
    json_object_set_new(doc, "start", json_string(start));
    json_object_set_new(doc, "perftests_version", json_string(PT_VERSION));
    json_object_set_new(doc, "topology", json_string(run->topology));
    if (run->command_line)
        json_object_set_new(doc, "command_line",
                            json_string(run->command_line));
    if (run->ab)
        json_object_set_new(doc, "ab", json_deep_copy(run->ab));
    json_object_set_new(doc, "host", metadata_host());
    json_object_set_new(doc, "profile",
                        json_pack("{s:s, s:s?}", "name", s->profile_name,
                                  "path", s->profile_path));
    json_object_set_new(doc, "settings", metadata_settings(s));
    json_object_set_new(doc, "jenkins", jenkins ? jenkins : json_null());
    return doc;
}

int metadata_write(const char *path, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    struct strbuf sb = STRBUF_INIT;
    int err;

    if (!text)
        return -ENOMEM;
    strbuf_addf(&sb, "%s\n", text);
    err = write_file_atomic(path, sb.buf, sb.len);
    strbuf_dispose(&sb);
    free(text);
    return err;
}
