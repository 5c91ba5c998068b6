/* jmxtrans query files, read with jansson (positions for syntax errors). */
#include "collectors/jmxconf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A field's path for messages: "servers[0].queries[3].attr". */
struct where {
    const char *source;
    size_t server, query;
};

static int bad(struct strbuf *err, const struct where *w, const char *field,
               const char *expected)
{
    strbuf_addf(err, "%s: servers[%zu]", w->source, w->server);
    if (w->query != (size_t)-1)
        strbuf_addf(err, ".queries[%zu]", w->query);
    strbuf_addf(err, "%s%s: expected %s", *field ? "." : "", field, expected);
    return -EINVAL;
}

/* The sidecar reads tab-separated lines: neither may be in a field. */
static char *field_dup(const char *s)
{
    char *d = xstrdup(s);

    for (char *c = d; *c; c++)
        if (*c == '\t' || *c == '\n' || *c == '\r')
            *c = ' ';
    return d;
}

/* An array of strings into *out; absent is none.  0 or -EINVAL. */
static int strings(json_t *a, char ***out, size_t *n, struct strbuf *err,
                   const struct where *w, const char *field)
{
    size_t i;
    json_t *v;

    if (!a)
        return 0;
    if (!json_is_array(a))
        return bad(err, w, field, "an array of strings");
    json_array_foreach(a, i, v)
        if (!json_is_string(v))
            return bad(err, w, field, "an array of strings");
    *n = json_array_size(a);
    *out = xcalloc(*n ? *n : 1, sizeof **out);
    json_array_foreach(a, i, v)
        (*out)[i] = field_dup(json_string_value(v));
    return 0;
}

/* typeNames of the query, else of its first output writer that has them
 * (where the original, and jmxtrans before 250, kept them). */
static json_t *type_names(json_t *q, size_t *writers)
{
    json_t *t = json_object_get(q, "typeNames"), *ow, *wr;
    size_t i;

    ow = json_object_get(q, "outputWriters");
    *writers += json_array_size(ow);
    if (t)
        return t;
    json_array_foreach(ow, i, wr) {
        t = json_object_get(json_object_get(wr, "settings"), "typeNames");
        if (t)
            return t;
    }
    return NULL;
}

static int parse_query(json_t *q, struct jmx_query *out, struct jmx_config *cfg,
                       struct strbuf *err, const struct where *w)
{
    json_t *obj = json_object_get(q, "obj"), *alias;
    int rc;

    if (!json_is_object(q))
        return bad(err, w, "", "an object with \"obj\" and \"attr\"");
    if (!json_is_string(obj) || !json_string_length(obj))
        return bad(err, w, "obj", "an ObjectName such as "
                   "\"java.lang:type=Memory\"");
    out->obj = field_dup(json_string_value(obj));
    alias = json_object_get(q, "resultAlias");
    if (alias && !json_is_string(alias))
        return bad(err, w, "resultAlias", "a string");
    if (alias && json_string_length(alias))
        out->alias = field_dup(json_string_value(alias));
    rc = strings(json_object_get(q, "attr"), &out->attrs, &out->n_attrs, err,
                 w, "attr");
    if (!rc)
        rc = strings(type_names(q, &cfg->n_output_writers), &out->type_names,
                     &out->n_type_names, err, w, "typeNames");
    return rc;
}

/* "host:port" or the server's url: the first server's is the target. */
static int parse_target(json_t *srv, struct jmx_config *cfg,
                        struct strbuf *err, const struct where *w)
{
    json_t *url = json_object_get(srv, "url"),
           *host = json_object_get(srv, "host"),
           *port = json_object_get(srv, "port");

    if (url && !json_is_string(url))
        return bad(err, w, "url", "a service:jmx: URL");
    if (host && !json_is_string(host))
        return bad(err, w, "host", "a host name or address");
    if (port && !json_is_string(port) && !json_is_integer(port))
        return bad(err, w, "port", "a port number");
    if (cfg->target)
        return 0;
    if (url)
        cfg->target = field_dup(json_string_value(url));
    else if (host && port && json_is_string(port))
        cfg->target = xasprintf("%s:%s", json_string_value(host),
                                json_string_value(port));
    else if (host && port)
        cfg->target = xasprintf("%s:%lld", json_string_value(host),
                                (long long)json_integer_value(port));
    return 0;
}

int jmx_config_parse(const char *text, const char *source,
                     struct jmx_config *cfg, struct strbuf *err)
{
    struct where w = { source, 0, (size_t)-1 };
    json_error_t je;
    json_t *root, *servers, *srv;
    int rc = 0;

    memset(cfg, 0, sizeof *cfg);
    root = json_loads(text, 0, &je);
    if (!root) {
        strbuf_addf(err, "%s:%d:%d: %s", source, je.line, je.column, je.text);
        return -EINVAL;
    }
    servers = json_object_get(root, "servers");
    if (!json_is_array(servers) || !json_array_size(servers)) {
        strbuf_addf(err, "%s: expected an object with \"servers\": [ { "
                    "\"host\", \"port\", \"queries\": [...] } ]", source);
        json_decref(root);
        return -EINVAL;
    }
    cfg->n_servers = json_array_size(servers);
    json_array_foreach(servers, w.server, srv) {
        json_t *queries = json_object_get(srv, "queries"), *q;
        w.query = (size_t)-1;
        if (!json_is_object(srv))
            rc = bad(err, &w, "", "an object with \"queries\"");
        else if (!json_is_array(queries))
            rc = bad(err, &w, "queries", "an array of queries");
        else
            rc = parse_target(srv, cfg, err, &w);
        if (rc)
            break;
        cfg->q = xrealloc(cfg->q, (cfg->n + json_array_size(queries) + 1)
                                  * sizeof *cfg->q);
        json_array_foreach(queries, w.query, q) {
            struct jmx_query *out = &cfg->q[cfg->n++];
            memset(out, 0, sizeof *out);
            if ((rc = parse_query(q, out, cfg, err, &w)))
                break;
        }
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}

int jmx_config_load(const char *path, struct jmx_config *cfg,
                    struct strbuf *err)
{
    struct strbuf text = STRBUF_INIT;
    int rc = strbuf_read_file(&text, path);

    memset(cfg, 0, sizeof *cfg);
    if (rc)
        strbuf_addf(err, "cannot read '%s': %s", path, strerror(-rc));
    else
        rc = jmx_config_parse(text.buf, path, cfg, err);
    strbuf_dispose(&text);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void jmx_config_release(struct jmx_config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->q[i].obj);
        free(cfg->q[i].alias);
        free_strings(cfg->q[i].attrs, cfg->q[i].n_attrs);
        free_strings(cfg->q[i].type_names, cfg->q[i].n_type_names);
    }
    free(cfg->q);
    free(cfg->target);
    memset(cfg, 0, sizeof *cfg);
}

static void join(struct strbuf *out, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        strbuf_addf(out, "%s%s", i ? "," : "", v[i]);
}

void jmx_config_to_lines(const struct jmx_config *cfg, bool defaults,
                         struct strbuf *out)
{
    if (defaults)
        strbuf_addstr(out, "defaults\n");
    for (size_t i = 0; cfg && i < cfg->n; i++) {
        const struct jmx_query *q = &cfg->q[i];
        strbuf_addf(out, "query\t%s\t", q->obj);
        join(out, q->attrs, q->n_attrs);
        strbuf_addf(out, "\t%s\t", q->alias ? q->alias : "");
        join(out, q->type_names, q->n_type_names);
        strbuf_addch(out, '\n');
    }
}
