/* The scenario: the source and destination namespaces, their veth pairs,
 * the addresses, and the chosen topology on top (DESIGN.md step 6). */
#ifndef PT_SCENARIO_H
#define PT_SCENARIO_H

#include <stdbool.h>

#include "lib/strbuf.h"
#include "topologies/topology.h"

/* Names everything pt-<role>-<ctx->short_id>, records each thing in the
 * ledger before creating it, then calls ops->setup().  On failure the
 * caller still calls scenario_destroy().  0 or -errno, reason in 'err'. */
int scenario_create(const struct topology_ops *ops, struct topology_ctx *ctx,
                    struct strbuf *err);
/* ops->teardown(), then the namespaces (which takes their veths along).
 * Tolerates a half-created scenario.  0 or the first -errno. */
int scenario_destroy(const struct topology_ops *ops, struct topology_ctx *ctx,
                     struct strbuf *err);
/* True if 'ip' is an IPv4 address in the RFC 2544 range 198.18.0.0/15,
 * the only addresses perftests puts on an interface. */
bool scenario_address_allowed(const char *ip);

#endif
