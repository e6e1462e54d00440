#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 180
#
# kernel-selectors: what mip6d's SPD (src/ipsec/spd.h) relies on in the kernel's XFRM policy
# matching, measured on the running kernel with real packets (one blocking policy at a time,
# three packets A -> R -> B, lib/selector_matrix.py):
#  - a protocol-only Mobility Header selector matches received (in), sent (out) and
#    forwarded (fwd) MH packets, with and without an extension header in front of the MH;
#  - an ICMPv6 type selector (the MobPfxDisc entries) matches in, out and fwd.
# It also prints, without asserting, how MH *type* selectors fare: the kernels' own decoding
# of a received MH type is what differs between 6.1 and 6.12 (and is why the SPD names no MH
# type); the figures go into doc/architecture.md.

fails=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fails=$((fails + 1))
}
check() { # check NAME CMD...: ok when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

topo() {
	ip netns add A && ip netns add R && ip netns add B &&
		ip link add va type veth peer name ra netns R && ip link set va netns A &&
		ip link add vb type veth peer name rb netns R && ip link set vb netns B &&
		ip -n A addr add fc00:1::1/64 dev va nodad && ip -n A link set va up &&
		ip -n B addr add fc00:2::1/64 dev vb nodad && ip -n B link set vb up &&
		ip -n R addr add fc00:1::2/64 dev ra nodad && ip -n R addr add fc00:2::2/64 dev rb nodad &&
		ip -n R link set ra up && ip -n R link set rb up &&
		ip netns exec R sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		ip -n A route add default via fc00:1::2 && ip -n B route add default via fc00:2::2
}
topo || { not_ok "three namespaces A - R - B"; exit 1; }
echo "# kernel $(uname -r)"

out=$(/usr/bin/python3 "$(dirname "$0")/../lib/selector_matrix.py" \
	mh:5:in,out,fwd:proto mh+dst:5:in,fwd:proto icmp6:146:in,out,fwd:sport \
	mh:5:in,fwd:sport mh+dst:5:in:sport,dport mh:5:out:sport 2>&1)
st=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "packets pass A -> R -> B without a policy (the probe's baseline)" test "$st" = 0
has() { printf '%s\n' "$out" | grep -qx "$1"; }
for d in in out fwd; do
	check "a protocol-only MH selector matches MH packets ($d)" has "mh 5 $d proto match"
done
for d in in fwd; do
	check "a protocol-only MH selector matches MH behind a Destination Options header ($d)" \
		has "mh+dst 5 $d proto match"
done
for d in in out fwd; do
	check "an ICMPv6 type selector (146) matches ICMPv6 146 packets ($d)" has "icmp6 146 $d sport match"
done
check "an MH type selector matches MH packets this host sends (out)" has "mh 5 out sport match"
echo "# $fails check(s) failed"
[ "$fails" = 0 ]
