/* The injector: paced test frames on the source namespace's interface,
 * through a packet socket's TX ring (or libpcap when there is none). */
#ifndef PT_INJECTOR_H
#define PT_INJECTOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "traffic/flow.h"
#include "traffic/frame.h"
#include "lib/hist.h"
#include "lib/strbuf.h"

struct injector;

/* A device that takes no frame for this long (a link gone down) ends the
 * trial instead of hanging it. */
#define INJECTOR_STALL_MS 2000

struct inject_stats {
    uint64_t sent;
    uint64_t pushback;      /* sends the kernel refused (queue full) and we
                               retried: the datapath pushing back */
    uint64_t start_ns, end_ns;
    double tx_rate;         /* sent / (end - start) */
    bool stalled;           /* the interface took no frame for
                               INJECTOR_STALL_MS: the trial stopped */
    struct hist lateness;   /* ns each packet left after it was due */
};

/* Opens 'ifname' inside 'netns' for sending.  NULL, reason in 'err'. */
struct injector *injector_open(const char *netns, const char *ifname,
                               struct strbuf *err);
void injector_close(struct injector *inj);
/* Sends 'count' copies of 'f', patched with sequence seq0.. and the ports
 * of 'flows', at 'rate' pps on an absolute schedule; stops early when
 * *stop becomes non-zero.  0 or a negative errno (a send that failed for
 * another reason than a full queue), reason in 'err'. */
int injector_send(struct injector *inj, struct frame *f,
                  const struct flow_pattern *flows, uint64_t count,
                  double rate, volatile sig_atomic_t *stop,
                  struct inject_stats *st, struct strbuf *err);

#endif
