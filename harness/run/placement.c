#include "run/placement.h"

#include <errno.h>
#include <string.h>

#include "lib/cpus.h"

static void range(cpu_set_t *set, int from, int to)
{
    CPU_ZERO(set);
    for (int c = from; c <= to; c++)
        CPU_SET(c, set);
}

/* What "auto" means for each part on 'cores' CPUs. */
static void automatic(int cores, struct placement *p)
{
    p->sut.pinned = p->injector.pinned = p->receiver.pinned = cores > 1;
    if (cores <= 1)
        return;
    range(&p->injector.set, 0, 0);
    if (cores == 2) {
        range(&p->receiver.set, 0, 0);
        range(&p->sut.set, 1, 1);
    } else {
        range(&p->receiver.set, 1, 1);
        range(&p->sut.set, 2, cores - 1);
    }
}

static int one(const struct settings *s, enum setting_id id, int cores,
               struct placement_part *part, struct strbuf *err)
{
    const char *v = settings_str(s, id);

    if (!strcmp(v, "auto"))
        return 0;
    part->pinned = strcmp(v, "none") != 0;
    if (!part->pinned)
        return 0;
    if (cpus_parse(v, &part->set, err))
        return -EINVAL;
    for (int c = cores; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &part->set)) {
            strbuf_addf(err, "%s: CPU %d does not exist here: expected CPUs "
                        "0 to %d", setting_defs[id].key, c, cores - 1);
            return -EINVAL;
        }
    return 0;
}

int placement_resolve(const struct settings *s, int cores,
                      struct placement *p, struct strbuf *err)
{
    memset(p, 0, sizeof *p);
    p->cores = cores;
    automatic(cores, p);
    if (one(s, SETTING_SUT_CPUS, cores, &p->sut, err)
        || one(s, SETTING_INJECTOR_CPUS, cores, &p->injector, err)
        || one(s, SETTING_RECEIVER_CPUS, cores, &p->receiver, err))
        return -EINVAL;
    return 0;
}

static json_t *part_json(const struct placement_part *part)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *j;

    if (part->pinned)
        cpus_format(&part->set, &sb);
    j = json_string(part->pinned ? sb.buf : "none");
    strbuf_dispose(&sb);
    return j;
}

json_t *placement_json(const struct placement *p)
{
    /* "receiver_rps" and "sut_rps" are "none" until the run steers the
     * destination's or the datapath's receive processing (RECEIVER_RPS,
     * SUT_RPS), which it says here. */
    return json_pack("{s:i, s:o, s:o, s:o, s:s, s:s}", "cores", p->cores,
                     "sut", part_json(&p->sut), "injector",
                     part_json(&p->injector), "receiver",
                     part_json(&p->receiver), "receiver_rps", "none",
                     "sut_rps", "none");
}
