/* Parsers of ovs-appctl text (see ovs_text.h). */
#include "collectors/ovs_text.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A label of a "label: value" figure and where its value goes in a struct
 * of doubles. */
struct field {
    const char *label;
    size_t offset;
};

static void set_all_nan(double *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = NAN;
}

/* Adds 'v' to the field of 'base' that 'label' (of length 'len') names;
 * 0 if it is one of 'fields', -ENOENT if not. */
static int add_field(void *base, const struct field *fields,
                     const char *label, size_t len, double v)
{
    for (const struct field *f = fields; f->label; f++)
        if (strlen(f->label) == len && !strncmp(f->label, label, len)) {
            double *d = (double *)((char *)base + f->offset);
            *d = isnan(*d) ? v : *d + v;
            return 0;
        }
    return -ENOENT;
}

/* The number after "key:" in 'line' (up to its end), or NaN. */
static double after(const char *line, const char *end, const char *key)
{
    const char *p = strstr(line, key);
    char *stop;
    double v;

    if (!p || p >= end)
        return NAN;
    p += strlen(key);
    v = strtod(p, &stop);
    return stop == p ? NAN : v;
}

static void add(double *d, double v)
{
    if (!isnan(v))
        *d = isnan(*d) ? v : *d + v;
}

int ovs_parse_dpctl_show(const char *text, struct ovs_dp_stats *out)
{
    int found = 0;

    set_all_nan((double *)out, sizeof *out / sizeof(double));
    for (const char *l = text; *l; ) {
        const char *end = strchrnul(l, '\n');
        const char *t = l + strspn(l, " \t");
        if (!strncmp(t, "lookups:", 8)) {
            add(&out->hit, after(t, end, "hit:"));
            add(&out->missed, after(t, end, "missed:"));
            add(&out->lost, after(t, end, "lost:"));
            found = 1;
        } else if (!strncmp(t, "flows:", 6)) {
            add(&out->flows, after(t, end, "flows:"));
        }
        l = *end ? end + 1 : end;
    }
    return found ? 0 : -EINVAL;
}

#define PMD(label, member) { label, offsetof(struct ovs_pmd_stats, member) }
/* Labels of OVS 2.x and 3.x: "miss with success upcall" was "miss" and
 * "miss with failed upcall" was "lost" before 2.10. */
static const struct field pmd_fields[] = {
    PMD("packets received", packets),
    PMD("packet recirculations", recirc),
    PMD("emc hits", emc_hits),
    PMD("smc hits", smc_hits),
    PMD("megaflow hits", megaflow_hits),
    PMD("simple match hits", simple_hits),
    PMD("miss with success upcall", upcalls),
    PMD("miss", upcalls),
    PMD("miss with failed upcall", upcalls_failed),
    PMD("lost", upcalls_failed),
    { NULL, 0 },
};

int ovs_parse_pmd_stats(const char *text, struct ovs_pmd_stats *out)
{
    set_all_nan((double *)out, sizeof *out / sizeof(double));
    for (const char *l = text; *l; ) {
        const char *end = strchrnul(l, '\n');
        const char *colon = memchr(l, ':', (size_t)(end - l));
        char *stop;
        if (colon && l[0] != ' ' && l[0] != '\t' && colon == end - 1) {
            /* A thread's header: no indent, ends in ':'. */
            add(&out->threads, 1);
        } else if (colon && !isnan(out->threads)) {
            const char *label = l + strspn(l, " \t");
            double v = strtod(colon + 1, &stop);
            if (stop != colon + 1)
                add_field(out, pmd_fields, label, (size_t)(colon - label), v);
        }
        l = *end ? end + 1 : end;
    }
    return isnan(out->threads) ? -EINVAL : 0;
}

#define MEM(label, member) { label, offsetof(struct ovs_mem_stats, member) }
static const struct field mem_fields[] = {
    MEM("handlers", handlers),
    MEM("revalidators", revalidators),
    MEM("ports", ports),
    MEM("rules", rules),
    MEM("udpif keys", udpif_keys),
    MEM("ofconns", ofconns),
    { NULL, 0 },
};

int ovs_memory_show_foreach(const char *text, ovs_mem_fn *fn, void *aux)
{
    const char *key = NULL;
    int found = 0;

    /* "k:v k:v ...", where a key may hold spaces ("udpif keys"): a key
     * starts after the previous value and runs to the next ':'. */
    for (const char *p = text; *p; ) {
        const char *colon;
        char *stop;
        double v;
        p += strspn(p, " \t\n");
        if (!key)
            key = p;
        colon = strchr(p, ':');
        if (!colon)
            break;
        v = strtod(colon + 1, &stop);
        if (stop == colon + 1) {            /* not a number: skip it */
            p = colon + 1 + strcspn(colon + 1, " \t\n");
            key = NULL;
            continue;
        }
        fn(key, (size_t)(colon - key), v, aux);
        found++;
        key = NULL;
        p = stop;
    }
    return found;
}

struct mem_parse {
    struct ovs_mem_stats *out;
    int found;
};

static void mem_field(const char *key, size_t len, double v, void *aux)
{
    struct mem_parse *mp = aux;

    if (len >= 9 && !strncmp(key, "idl-cells", 9))
        add(&mp->out->idl_cells, v), mp->found++;
    else
        mp->found += !add_field(mp->out, mem_fields, key, len, v);
}

int ovs_parse_memory_show(const char *text, struct ovs_mem_stats *out)
{
    struct mem_parse mp = { out, 0 };

    set_all_nan((double *)out, sizeof *out / sizeof(double));
    ovs_memory_show_foreach(text, mem_field, &mp);
    return mp.found ? 0 : -EINVAL;
}

/* A line of dpctl/dump-flows that is no flow: "flow-dump from the main
 * thread:" / "flow-dump from pmd on cpu core: N" (the userspace datapath
 * says whose flows follow), or a datapath's "type@name:" header. */
static bool dump_flows_header(const char *line, const char *end)
{
    return !strncmp(line, "flow-dump from ", 15) || end[-1] == ':';
}

int ovs_count_dump_flows(const char *text)
{
    int n = 0;

    for (const char *l = text; *l; ) {
        const char *end = strchrnul(l, '\n');
        const char *t = l + strspn(l, " \t\r");
        const char *e = end;
        while (e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (e > t && !dump_flows_header(t, e))
            n++;
        l = *end ? end + 1 : end;
    }
    return n;
}
