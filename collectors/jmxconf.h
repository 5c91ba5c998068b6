/* jmxtrans query files (the original polled midolman with jmxtrans; its
 * file is shared/compat/midolman-jmxtrans.json): servers[] with host and
 * port (or url), each with queries[] of obj, attr, resultAlias and
 * typeNames.  outputWriters are read for their typeNames only: perftests
 * writes its own RRD files. */
#ifndef PT_JMXCONF_H
#define PT_JMXCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

struct jmx_query {
    char *obj;              /* an ObjectName, maybe a pattern ("name=*") */
    char **attrs;           /* none: every numeric attribute */
    size_t n_attrs;
    char *alias;            /* resultAlias, or NULL */
    char **type_names;      /* typeNames (the query's, else its writer's) */
    size_t n_type_names;
};

struct jmx_config {
    /* The first server: where the queries go unless JMX_URL says. */
    char *target;           /* "host:port", a service:jmx: URL, or NULL */
    size_t n_servers;
    struct jmx_query *q;    /* the queries of every server, in order */
    size_t n;
    size_t n_output_writers;/* ignored; counted to say so once */
};

/* Parses 'text'; 'source' names it in errors ("FILE:LINE:COLUMN: ..." for
 * JSON syntax, "FILE: servers[0].queries[3].attr: ..." for a bad field).
 * 0, or -EINVAL with the reason in 'err'.  Release 'cfg' either way. */
int jmx_config_parse(const char *text, const char *source,
                     struct jmx_config *cfg, struct strbuf *err);
/* jmx_config_parse() of a file; -errno when it cannot be read. */
int jmx_config_load(const char *path, struct jmx_config *cfg,
                    struct strbuf *err);
void jmx_config_release(struct jmx_config *cfg);

/* The lines that hand the queries to the sidecar (collectors/jmx/PtJmx),
 * "defaults" first when 'defaults': "query\tOBJ\tATTR,..\tALIAS\tTYPES". */
void jmx_config_to_lines(const struct jmx_config *cfg, bool defaults,
                         struct strbuf *out);

#endif
