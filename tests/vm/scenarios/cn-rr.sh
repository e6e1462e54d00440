#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 160
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
# without malformed or expert-error fields. The route-optimisation data path while the binding
# exists (rr_mn.py): an Echo Request from the CoA with a Home Address option is answered to the
# CoA with a type 2 routing header holding the HoA; one from another care-of address is dropped;
# a ping from the CN to the HoA leaves to the CoA with the routing header; tshark shows the HAO
# in and the RH2 out, and no packet with two routing headers (the CN's own MH messages carry
# theirs, not the kernel's); after SIGTERM no XFRM state or policy is left. After the deletion
# the same Echo Request gets a Binding Error status 1 (the kernel's XFRM_MSG_REPORT). Binding
# Refresh Requests (§9.5.5): a binding of 12 s kept in use by the CN's pings to the HoA gets
# exactly one, 2 s before it expires, laid out as §6.1.2 says, to the CoA with an RH2; an idle
# binding of 8 s gets none (the CN reads its route2 state's packet count from the kernel).
# The full scenario of issue 12 is `route-optimisation`.

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
out=$(CN_NS=$NS_CN ip netns exec "$NS_MN" "$PY" "$TOP/tests/vm/lib/rr_mn.py" "$MN_IF" "$HOA" "$COA" "$CN_ADDR" \
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
check "status: Binding Errors status 1 sent for HAOs without a binding" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"be_unknown_hao_sent\":[1-9]'"
check "status: the data path installed for the binding, no failure" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"ro_installs\":3,\"ro_failures\":0'"
check "status: one Binding Refresh Request sent, one binding found idle, no read failed" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"brr_sent\":1,\"brr_not_in_use\":1,\"brr_read_failures\":0'"
check "counters: one BRR out" \
	sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json counters | grep -q '\"out\":{[^}]*\"brr\":1[,}]'"
check "the binding's data path is gone after its deletion (no route2 state, no policy to or from the HoA)" \
	sh -c "! ip -n '$NS_CN' xfrm state | grep -q 'proto route2' && ! ip -n '$NS_CN' xfrm policy | grep -q '$HOA'"

mip6_stop cn || not_ok "the CN stopped on SIGTERM"
check "no XFRM state or policy is left after SIGTERM" \
	sh -c "[ -z \"\$(ip -n '$NS_CN' xfrm state)\" ] && [ -z \"\$(ip -n '$NS_CN' xfrm policy)\" ]"
kill -INT "$CAP_PID" 2>/dev/null
wait "$CAP_PID" 2>/dev/null
f=$TOPO_DIR/cn.pcap
# Every question to the capture in one tshark run (tshark_counts: its start costs 15-50 s under
# TCG). "one X with exactly this value" is count(X) == 1 && X == value.
one_rh2_to_coa="ipv6.dst == $COA && ipv6.routing.mipv6.home_address == $HOA && count(ipv6.dst) == 1 && count(ipv6.routing.mipv6.home_address) == 1"
reply_rh2="icmpv6.type == 129 && ipv6.routing.type == 2"
ping_rh2="icmpv6.type == 128 && ipv6.src == $CN_ADDR && ipv6.routing.type == 2"
mapfile -t cnt < <(tshark_counts "$f" \
	"mip6.mhtype == 0 && !_ws.malformed" "mip6.mhtype == 1 && !_ws.malformed" \
	"mip6.mhtype == 2 && !_ws.malformed" "mip6.mhtype == 3 && !_ws.malformed" \
	"mip6.mhtype == 4 && !_ws.malformed" "mip6.mhtype == 5 && !_ws.malformed" \
	"mip6.mhtype == 6 && !_ws.malformed" "mip6.mhtype == 7 && !_ws.malformed" \
	"mipv6 && (_ws.malformed || _ws.expert.severity == \"Error\")" \
	"icmpv6.type == 128 && ipv6.src == $COA && ipv6.opt.mipv6.home_address == $HOA" \
	"$reply_rh2" "$reply_rh2 && $one_rh2_to_coa" \
	"$ping_rh2" "$ping_rh2 && $one_rh2_to_coa" \
	"ipv6.routing && count(ipv6.routing.type) >= 2")
types="" all_types=1
for t in 0 1 2 3 4 5 6 7; do
	types+="$t:${cnt[t]:-?} "
	[ "${cnt[t]:-0}" -ge 1 ] || all_types=0
done
bad=${cnt[8]:-?}
check "tshark: BRR, HoTI, CoTI, HoT, CoT, BU, BA and BE decoded (type:count $types), $bad malformed/expert errors" \
	test "$all_types" = 1 -a "$bad" = 0
n_hao=${cnt[9]:-0}
check "tshark: the Echo Request from the CoA with the HAO ($n_hao from $COA with HAO $HOA)" \
	test "$n_hao" -ge 1
n_reply=${cnt[10]:-?} n_reply_ok=${cnt[11]:-?}
check "tshark: the CN's Echo Reply to the CoA with an RH2 holding the HoA ($n_reply with an RH2, $n_reply_ok of them to $COA with RH2 $HOA)" \
	test "$n_reply" = 1 -a "$n_reply_ok" = 1
# Every ping the CN sent to the HoA (the data path's one, and the BRR check's): to the CoA, RH2.
n_ping=${cnt[12]:-0}
n_other=$((n_ping - ${cnt[13]:-0}))
check "tshark: the CN's pings to the HoA ($n_ping) go to the CoA with an RH2 holding the HoA ($n_other other)" \
	test "$n_ping" -ge 1 -a "$n_other" = 0
n_rh=${cnt[14]:-?}
check "tshark: no packet with two routing headers ($n_rh)" test "$n_rh" = 0

[ "${fails:-0}" = 0 ] || { sed 's/^/#   /' "$TOPO_DIR/cn.log" | tail -40; exit 1; }
echo "# $ntests checks passed"
