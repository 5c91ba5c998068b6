/* CPU placement: the SUT's processes, the injector and the receiver on
 * CPUs of their own (SUT_CPUS, INJECTOR_CPUS, RECEIVER_CPUS), so that the
 * harness does not measure itself competing with the datapath for a core.
 * "auto" picks by core count: on 2 cores the harness on CPU 0 and the SUT
 * on CPU 1; from 3 cores up the receiver gets CPU 1 and the SUT the rest;
 * on 1 core nothing is pinned. */
#ifndef PT_PLACEMENT_H
#define PT_PLACEMENT_H

#include <jansson.h>
#include <sched.h>
#include <stdbool.h>

#include "run/settings.h"

struct placement_part {
    bool pinned;                /* false: "none", or auto on one core */
    cpu_set_t set;
};

struct placement {
    int cores;                  /* online CPUs */
    struct placement_part sut, injector, receiver;
};

/* Resolves the three settings for a host of 'cores' online CPUs.  0, or
 * -EINVAL when a list names a CPU the host does not have, said in 'err'
 * with the key. */
int placement_resolve(const struct settings *s, int cores,
                      struct placement *p, struct strbuf *err);
/* {"cores": 2, "sut": "1", "injector": "0", "receiver": "0"} ("none"
 * for what is not pinned), for metadata.json. */
json_t *placement_json(const struct placement *p);

#endif
