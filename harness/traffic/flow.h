/* Flow patterns: which 5-tuple packet i of a trial uses.
 *   single   one 5-tuple: the datapath's fast path;
 *   scan     destination port 1..65535 in order from one fixed source
 *            port, as the original's `nmap -r -p 1-N -g PORT`: every packet
 *            is a new flow and exercises flow setup;
 *   flows:N  N flows round robin. */
#ifndef PT_FLOW_H
#define PT_FLOW_H

#include <stdint.h>

#include "lib/strbuf.h"

enum flow_kind { FLOW_SINGLE, FLOW_SCAN, FLOW_N };

struct flow_pattern {
    enum flow_kind kind;
    uint32_t n;             /* FLOW_N only */
};

#define FLOW_SRC_PORT 40000     /* the fixed source port (nmap -g) */
#define FLOW_DST_PORT 5001

/* Parses FLOW_PATTERN; -EINVAL with the allowed values in 'err'. */
int flow_parse(const char *text, struct flow_pattern *fp, struct strbuf *err);

static inline void flow_ports(const struct flow_pattern *fp, uint64_t i,
                              uint16_t *sport, uint16_t *dport)
{
    switch (fp->kind) {
    case FLOW_SCAN:
        *sport = FLOW_SRC_PORT;
        *dport = (uint16_t)(1 + i % 65535);
        break;
    case FLOW_N: {
        /* Up to 60000 source ports per destination port. */
        uint64_t k = i % fp->n;
        *sport = (uint16_t)(1024 + k % 60000);
        *dport = (uint16_t)(FLOW_DST_PORT + k / 60000);
        break;
    }
    default:
        *sport = FLOW_SRC_PORT;
        *dport = FLOW_DST_PORT;
    }
}

#endif
