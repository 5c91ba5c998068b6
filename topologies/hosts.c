/* hosts: the endpoints are two hosts' interfaces, named with --hosts FILE
 * --source NAME --dest NAME and reached through `perftests agent` over
 * SSH (harness/remote/).  The datapath under test is whatever connects
 * them: the lab's network, a hypervisor's switch, a tunnel, or a SUT on
 * the host --sut-host names.  The harness makes no namespace here: setup
 * and teardown have nothing to do; the agents prepare the endpoints and
 * remove what they added. */
#include <stdio.h>

#include "topologies/topology.h"

static int hosts_setup(struct topology_ctx *ctx, struct strbuf *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

static int hosts_teardown(struct topology_ctx *ctx, struct strbuf *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

static int hosts_print(struct topology_ctx *ctx, FILE *out)
{
    (void)ctx;
    fprintf(out,
            "hosts: the endpoints live on two hosts of a hosts file\n"
            "  --source HOST: interface, address  ==== the network under "
            "test ====  --dest HOST: interface, address\n"
            "  reached with ssh -o BatchMode=yes HOST perftests agent "
            "(JSON-RPC 2.0 on stdin/stdout)\n");
    return 0;
}

const struct topology_ops topology_hosts_ops = {
    .name = "hosts",
    .description = "the interfaces of two hosts of --hosts FILE (--source, "
                   "--dest), through agents over SSH",
    .on_hosts = true,
    .setup = hosts_setup,
    .teardown = hosts_teardown,
    .print = hosts_print,
};
