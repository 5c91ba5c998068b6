#!/bin/bash
# A datapath of known capacity, for the tests: an OVS bridge (userspace
# netdev datapath) whose flow from source to destination goes through an
# OpenFlow meter that drops what exceeds PT_METER_PPS packets a second
# (default 20000).  A search on it must find that rate.

TOPOLOGY_SOURCE_HOST="198.18.2.1"
TOPOLOGY_DEST_HOST="198.18.2.2"
TOPOLOGY_SOURCE_NET="198.18.2.0/24"
TOPOLOGY_DEST_NET="198.18.2.0/24"

BRIDGE="pt-mb-${PERFTESTS_SHORT_ID:-0}"
RATE=${PT_METER_PPS:-20000}

# OVS_RUNDIR (set by the harness) points both at the SUT's OVS.
vsctl() { ovs-vsctl --timeout=10 "$@"; }
ofctl() { ovs-ofctl -O OpenFlow13 "$@"; }

setup_topology() {
    pt_ledger link "$BRIDGE" "$TOPOLOGY_DATAPATH_NETNS"
    pt_ledger ovs-bridge "$BRIDGE"
    vsctl add-br "$BRIDGE" -- set bridge "$BRIDGE" datapath_type="${OVS_DATAPATH:-netdev}" \
        protocols=OpenFlow13 || return 1
    vsctl add-port "$BRIDGE" "$TOPOLOGY_SOURCE_BINDING" \
        -- set interface "$TOPOLOGY_SOURCE_BINDING" ofport_request=1 || return 1
    vsctl add-port "$BRIDGE" "$TOPOLOGY_DEST_BINDING" \
        -- set interface "$TOPOLOGY_DEST_BINDING" ofport_request=2 || return 1
    # The bucket holds 5 ms of the rate: a trial of d seconds passes up to
    # RATE + bucket/d, so a bigger one lets short trials "beat" the meter
    # (a tenth of a second made 0.5 s trials pass 13 % above it).
    ofctl add-meter "$BRIDGE" \
        "meter=1,pktps,burst,band=type=drop,rate=$RATE,burst_size=$((RATE / 200 + 1))" || return 1
    ofctl del-flows "$BRIDGE"
    ofctl add-flow "$BRIDGE" "in_port=1,actions=meter:1,output:2" || return 1
    ofctl add-flow "$BRIDGE" "in_port=2,actions=output:1" || return 1
}

tear_down_topology() {
    vsctl --if-exists del-br "$BRIDGE"
}

print_topology() {
    echo "metered_bridge: an OVS bridge whose forward flow is metered to $RATE pps"
    echo "  $TOPOLOGY_SOURCE_HOST --- [ $BRIDGE, meter $RATE pps ] --- $TOPOLOGY_DEST_HOST"
}
