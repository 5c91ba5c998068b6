#!/bin/bash
# An example shell topology, in the original perftests.sh contract:
# sourcing this file sets the four TOPOLOGY_* variables, and it defines
# setup_topology, tear_down_topology and print_topology.
#
# The harness has created the namespaces ($TOPOLOGY_SOURCE_NETNS,
# $TOPOLOGY_DEST_NETNS) and the veth pairs whose root-side ends are
# $TOPOLOGY_SOURCE_BINDING and $TOPOLOGY_DEST_BINDING; setup_topology binds
# those to a datapath.  This one uses a kernel bridge.  Anything the script
# creates is named pt-... and recorded first with `pt_ledger KIND NAME`, so
# `perftests cleanup` can remove it after a crash.  $OVS_RUNDIR points at
# the SUT's Open vSwitch, so ovs-vsctl here would configure it (and never a
# system OVS).

TOPOLOGY_SOURCE_HOST="198.18.1.1"
TOPOLOGY_DEST_HOST="198.18.1.2"
TOPOLOGY_SOURCE_NET="198.18.1.0/24"
TOPOLOGY_DEST_NET="198.18.1.0/24"

BRIDGE="pt-xb-${PERFTESTS_SHORT_ID:-0}"

setup_topology() {
    pt_ledger link "$BRIDGE"
    ip link add "$BRIDGE" type bridge || return 1
    ip link set "$TOPOLOGY_SOURCE_BINDING" master "$BRIDGE" || return 1
    ip link set "$TOPOLOGY_DEST_BINDING" master "$BRIDGE" || return 1
    ip link set "$BRIDGE" up
}

tear_down_topology() {
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE"
    fi
}

print_topology() {
    echo "example_bridge: a shell topology on a kernel bridge"
    echo "  $TOPOLOGY_SOURCE_HOST --- [ $BRIDGE ] --- $TOPOLOGY_DEST_HOST"
}
