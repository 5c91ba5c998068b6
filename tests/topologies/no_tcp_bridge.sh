#!/bin/bash
# A datapath that passes everything but TCP, for the tests: an OVS bridge
# (userspace netdev datapath) that drops TCP and switches the rest.  The
# probes and the UDP trials get through; the tcp_throughput phase's client
# cannot connect, and the phase must fail saying so.

TOPOLOGY_SOURCE_HOST="198.18.3.1"
TOPOLOGY_DEST_HOST="198.18.3.2"
TOPOLOGY_SOURCE_NET="198.18.3.0/24"
TOPOLOGY_DEST_NET="198.18.3.0/24"

BRIDGE="pt-nt-${PERFTESTS_SHORT_ID:-0}"

setup_topology() {
    pt_ledger link "$BRIDGE" "$TOPOLOGY_DATAPATH_NETNS"
    pt_ledger ovs-bridge "$BRIDGE"
    ovs-vsctl --timeout=10 add-br "$BRIDGE" \
        -- set bridge "$BRIDGE" datapath_type="${OVS_DATAPATH:-netdev}" \
        -- add-port "$BRIDGE" "$TOPOLOGY_SOURCE_BINDING" \
        -- add-port "$BRIDGE" "$TOPOLOGY_DEST_BINDING" || return 1
    ovs-ofctl add-flow "$BRIDGE" "priority=100,tcp,actions=drop" || return 1
}

tear_down_topology() {
    ovs-vsctl --timeout=10 --if-exists del-br "$BRIDGE"
}

print_topology() {
    echo "no_tcp_bridge: an OVS bridge that drops TCP and switches the rest"
    echo "  $TOPOLOGY_SOURCE_HOST --- [ $BRIDGE, no TCP ] --- $TOPOLOGY_DEST_HOST"
}
