#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 120
#
# cn-rr: mip6d as a correspondent node (issue 12, item 1: the protocol half) against a mobile
# node written from the RFC in plain Python (tests/vm/lib/rr_mn.py: packets, Home Address option
# and checksum by hand, hmac and hashlib for the tokens, Kbm and the authenticators). Two namespaces on one veth pair: the
# MN holds its home address and a care-of address on mn0 (no home agent: the HoT comes back
# on the same link), the CN runs `mip6d` with NodeConfig CN. Checks: HoTI -> HoT to the HoA,
# CoTI -> CoT to the CoA, cookies echoed; the BU with the authenticator the MN computed gets
# BA 0 whose own authenticator verifies, with a type 2 routing header; `mip6ctl bc` lists
# the binding; a wrong authenticator gets nothing and leaves the binding as it was; an unknown
# home nonce index gets 136; a deletion authorised by the home token alone gets BA 0 and
# empties the cache; the counters name the discard; tshark decodes every MH on the link
# without malformed or expert-error fields. Not covered (not implemented yet): the route
# optimisation data path, Binding Refresh Requests, Binding Error status 1. The full scenario
# of issue 12 is `route-optimisation`.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

HOA=2001:db8:1::100 COA=2001:db8:2::100
mkdir -p "$TOPO_DIR"
trap topo_cleanup EXIT
_topo_up=1
ip -batch - <<EOF
netns add $NS_MN
netns add $NS_CN
EOF
for ns in "$NS_MN" "$NS_CN"; do
	topo_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0
done
ip link add "$MN_IF" netns "$NS_MN" type veth peer name "$CN_IF" netns "$NS_CN"
ip -n "$NS_MN" -batch - <<EOF
link set lo up
addr add $HOA/64 dev $MN_IF nodad
addr add $COA/64 dev $MN_IF nodad
link set $MN_IF up
route add $CN_PREFIX dev $MN_IF
EOF
ip -n "$NS_CN" -batch - <<EOF
link set lo up
addr add $CN_ADDR/64 dev $CN_IF nodad
link set $CN_IF up
route add 2001:db8:1::/64 dev $CN_IF
route add 2001:db8:2::/64 dev $CN_IF
EOF

topo_bg "$NS_CN" cap-cn tcpdump --immediate-mode -i "$CN_IF" -U -n -w "$TOPO_DIR/cn.pcap" ip6
CAP_PID=$TOPO_LAST_PID
wait_for 5 grep -q listening "$TOPO_DIR/cap-cn.log"

mip6_start "$NS_CN" cn "NodeConfig CN;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl status | grep -q 'binding(s)$'" ||
	{ not_ok "CN ready"; sed 's/^/#   /' "$TOPO_DIR/cn.log"; exit 1; }
check "the CN installed the Home Address option state (kernel_hao)" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"kernel_hao\":true'"

# The MN's run: every line it prints is part of this scenario's TAP output.
t0=$(now_us)
out=$(ip netns exec "$NS_MN" "$PY" "$TOP/tests/vm/lib/rr_mn.py" "$MN_IF" "$HOA" "$COA" "$CN_ADDR" \
	/run/mip6-cn.ctl 2>&1)
st=$?
printf '%s\n' "$out"
nf=$(printf '%s\n' "$out" | grep -c '^not ok')
fails=$((${fails:-0} + nf))
ntests=$((ntests + $(printf '%s\n' "$out" | grep -c '^\(not \)\?ok')))
[ "$st" = 0 ] || [ "$nf" -gt 0 ] || not_ok "rr_mn.py exited $st"
echo "# the mobile node's run (RR, BU, refusals, deletion): $(secs_since "$t0") s"
check "counters: one BU discarded for its authorization (bu-authorization)" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json counters | grep -q '\"bu-authorization\":1[,}]'"

mip6_stop cn || not_ok "the CN stopped on SIGTERM"
check "the Home Address option state is gone after SIGTERM" \
	sh -c "! ip -n '$NS_CN' xfrm state | grep -q 'proto dstopts'"
kill -INT "$CAP_PID" 2>/dev/null
wait "$CAP_PID" 2>/dev/null
f=$TOPO_DIR/cn.pcap
types=$(tshark -r "$f" -Y "mipv6 && !_ws.malformed" -T fields -e mip6.mhtype 2>/dev/null | sort -n | uniq -c |
	awk '{printf "%s:%s ", $2, $1}')
bad=$(tshark -r "$f" -Y "mipv6 && (_ws.malformed || _ws.expert.severity == \"Error\")" 2>/dev/null | wc -l)
all_types() { for t in 1 2 3 4 5 6; do [[ " $types" == *" $t:"* ]] || return 1; done; }
check "tshark: HoTI, CoTI, HoT, CoT, BU and BA decoded (type:count $types), $bad malformed/expert errors" \
	eval 'all_types && [ "$bad" = 0 ]'

[ "${fails:-0}" = 0 ] || { sed 's/^/#   /' "$TOPO_DIR/cn.log" | tail -40; exit 1; }
echo "# $ntests checks passed"
