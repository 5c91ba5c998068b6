/* testspec.csv: the original suite's run description, with its columns,
 * so that the tooling that read it keeps working. */
#include "report/report.h"

#include <string.h>

/* A CSV field, quoted when it must be (RFC 4180). */
static void field(struct strbuf *sb, const char *v, bool last)
{
    v = v ? v : "";
    if (strpbrk(v, ",\"\r\n")) {
        strbuf_addch(sb, '"');
        for (; *v; v++) {
            if (*v == '"')
                strbuf_addch(sb, '"');
            strbuf_addch(sb, *v);
        }
        strbuf_addch(sb, '"');
    } else {
        strbuf_addstr(sb, v);
    }
    strbuf_addch(sb, last ? '\n' : ',');
}

static int testspec_make(struct report *r, struct strbuf *err)
{
    json_t *m = r->meta;
    struct strbuf sb = STRBUF_INIT;
    int rc;

    strbuf_addstr(&sb, "gitrev,host,start,end,topology,profile\n");
    field(&sb, json_string_value(json_object_get(m, "perftests_version")),
          false);
    field(&sb, json_string_value(json_object_get(json_object_get(m, "host"),
                                                 "hostname")), false);
    field(&sb, json_string_value(json_object_get(m, "start")), false);
    field(&sb, json_string_value(json_object_get(m, "end")), false);
    field(&sb, json_string_value(json_object_get(m, "topology")), false);
    field(&sb, json_string_value(json_object_get(json_object_get(m,
                                                   "profile"), "name")), true);
    rc = report_write_file(r, "testspec.csv", sb.buf, sb.len, err);
    strbuf_dispose(&sb);
    return rc;
}

const struct report_output report_testspec = {
    .name = "testspec.csv",
    .make = testspec_make,
};
