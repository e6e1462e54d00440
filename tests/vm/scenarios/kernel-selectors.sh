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

# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

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

# XFRM_MSG_MIGRATE finds its policy by selector (xfrm_migrate_policy_find). mip6d's MIGRATEs
# name the protocol of its protocol-only MH entries (src/ipsec/spd.c); asserted here. A MIGRATE
# with the "any protocol" selector (255, the PF_KEY-migrate draft's wildcard) is only
# reported: measured, 6.1 finds the MH policy with it, 6.12 does not (ENOENT).
PY=/usr/bin/python3
MIG=$(dirname "$0")/../lib/xfrm_migrate.py
migrate_try() { # migrate_try SELECTOR_PROTO: 0 when the kernel accepts the MIGRATE
	local hoa=2001:db8:1::100 ha=2001:db8:1::1
	ip netns del migr 2>/dev/null
	ip netns add migr &&
		ip -n migr xfrm policy add src $hoa/128 dst $ha/128 proto 135 dir out \
			tmpl proto esp mode transport reqid 1 &&
		ip -n migr xfrm state add src $hoa dst $ha proto esp spi 0x100 reqid 1 mode transport \
			aead 'rfc4106(gcm(aes))' 0x0102030405060708091011121314151617181920 128 || return 2
	ip netns exec migr "$PY" "$MIG" send --sel $hoa/128,$ha/128 --dir out --proto "$1" \
		--migrate $hoa,$ha,$hoa,$ha,esp,transport,1 --kmaddress 2001:db8:2::100,$ha >/dev/null 2>&1
}
migrate_try 255
echo "# MIGRATE with the any-protocol selector (255) on a proto-135 policy: $([ $? = 0 ] && echo found || echo "not found")"
check "a MIGRATE naming proto 135 finds the protocol-only MH policy" migrate_try 135
ip netns del migr 2>/dev/null
echo "# $fails check(s) failed"
[ "$fails" = 0 ]
