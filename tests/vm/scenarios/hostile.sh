#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 600
#
# hostile: the home agent against crafted input (issue 10). An attacker node on the home link
# ($NS_ATK, with a routable address outside the home prefix that the HA routes to it) sends
# Ethernet frames built byte by byte from the RFCs (tests/vm/lib/hostile.py: one function per
# case, each asserting the exact reply -- BA status, BE status, ICMPv6 error -- or silence,
# and for a refused BU that no binding or route appeared; the HA's answers to NSs for bound HoAs,
# which it sends itself: no kernel proxy entry exists). Meanwhile a legitimate
# MN is registered from foreign1 (and takes tunnelled packets from its HA only: a node that is
# not the HA tunnels echo requests to its CoA and gets no answer, RFC 6275 §11.3.3); afterwards
# the HA is alive, its counters name the drops, the MN still registers (foreign2, BA 0), and tshark reads the ND the HA sent (proxy NAs R flag 0,
# O flag 1, solicited ones with the HA's MAC as Target LLA, none malformed; DAD probes from ::).
#
# To add cases: a function in tests/vm/lib/hostile.py (CASES, @case), or a step here that runs
# `atk_cases NAME...` after changing the HA (e.g. a reload).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

PY=/usr/bin/python3
export NS_ATK=atk-$$ ATK_IF=atk0 ATK_MAC=02:00:00:00:0a:01 ATK_LL=fe80::a:1 ATK_ADDR=2001:db8:5::2

topo_setup || exit 1
topo_at_exit "ip netns del $NS_ATK 2>/dev/null"
# The attacker: one more port on the home bridge; no RA processing, no DAD.
ip netns add "$NS_ATK"
topo_sysctl "$NS_ATK" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
	net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.accept_ra=0
ip link add "$ATK_IF" netns "$NS_ATK" address "$ATK_MAC" type veth peer name p-atk netns "$NS_SW"
ip -n "$NS_SW" link set p-atk master br-home up
ip -n "$NS_ATK" -batch - <<EOF
link set lo up
addr add $ATK_LL/64 dev $ATK_IF nodad
addr add $ATK_ADDR/128 dev $ATK_IF nodad
link set $ATK_IF up
EOF
# The HA reaches the attacker's "care-of" prefix through it. Its DAD waits RetransTimer (RFC
# 4862 §5.4): 1 s, long enough for the attacker to answer the HA's probe under TCG.
ip -n "$NS_HA" -6 route add 2001:db8:5::/64 via "$ATK_LL" dev "$HA_IF"
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=1000"

topo_bg "$NS_HA" cap-ha tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha.pcap" ip6
CAP_PID=$TOPO_LAST_PID

mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindingLife 600;
BindingAclPolicy 2001:db8:1::66 deny;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -q 'binding(s)$'" ||
	{ not_ok "HA ready"; sed 's/^/#   /' "$TOPO_DIR/ha.log"; exit 1; }

mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 300;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -q '\"location\":\"home\"'" ||
	{ not_ok "MN at home"; sed 's/^/#   /' "$TOPO_DIR/mn.log"; exit 1; }

bc_has() { mip6_json ha bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$1\",\"ha\":\"[^\"]*\",\"state\":\"valid\""; }
mn_registers() { # mn_registers LINK COA
	move_mn "$1" || { not_ok "move to $1"; return 1; }
	check "legitimate MN on $1: registered with CoA $2 (BA 0)" \
		wait_for 20 bul_is "\"coa\":\"$2\",\"state\":\"registered\"[^]]*\"last_status\":0"
	check "legitimate MN on $1: the HA's binding cache shows $2" wait_for 5 bc_has "$2"
}
mn_registers foreign1 "$MN_COA_F1"

# RFC 6275 §11.3.3: the MN takes tunnelled packets from its home agent only (its tunnel device
# decapsulates from any outer source; a tc filter passes the HA's). Control: the CN's echo
# requests to the HoA, tunnelled by the HA, are answered. Then the CN tunnels them to the CoA
# itself (ip6ip6, inner CN -> HoA, as an off-path attacker could): none answered, and the MN's
# kernel counted each one as tunnel-source.
check "MN: echo requests to the HoA through the HA are answered (control)" topo_ping "$NS_CN" "$MN_HOA"
ip -n "$NS_CN" -6 tunnel add spoof0 mode ip6ip6 local "$CN_ADDR" remote "$MN_COA_F1" encaplimit none
ip -n "$NS_CN" link set spoof0 up
ip -n "$NS_CN" -6 route add "$MN_HOA/128" dev spoof0
check "MN: echo requests tunnelled to the CoA by a node that is not the HA get no answer" \
	sh -c "! ip netns exec '$NS_CN' ping -q -c3 -i0.2 -W1 '$MN_HOA' >/dev/null"
mn_tnl_drops() { mip6_json mn counters | grep -Eq '"tunnel-source":([3-9]|[1-9][0-9]+)'; }
check "MN: the three counted as tunnel-source (RFC 6275 §11.3.3)" wait_for 5 mn_tnl_drops
ip -n "$NS_CN" link del spoof0

HA_MAC=$(ip -n "$NS_HA" -br link show "$HA_IF" | awk '{print $3}')

# atk_cases [NAME...]: run hostile.py's cases (all without NAME) from the attacker; every
# "not ok" line counts as a failure of this scenario.
# shellcheck disable=SC2120 # later steps (and other helpers) pass case names
atk_cases() {
	local out rc
	out=$(ip netns exec "$NS_ATK" env IFACE="$ATK_IF" SRC="$ATK_ADDR" ATK_LL="$ATK_LL" HA_ADDR="$HA_ADDR" \
		HA_MAC="$HA_MAC" \
		NS_HA="$NS_HA" MIP6CTL="$MIP6CTL" HA_CTL=/run/mip6-ha.ctl MN_HOA="$MN_HOA" MN_COA="$MN_COA_F1" \
		"$PY" "$TOP/tests/vm/lib/hostile.py" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	fails=$((fails + $(grep -c '^not ok' <<<"$out")))
	[ "$rc" = 0 ] || [ "$(grep -c '^not ok' <<<"$out")" -gt 0 ] || not_ok "hostile.py exited $rc"
	NCASES=$((${NCASES:-0} + $(grep -c '^\(not \)\?ok - ' <<<"$out")))
}

bindings_before=$(mip6_json ha bc | grep -o '"registrations":[0-9]*')
atk_cases # every case of hostile.py
check "at least 40 hostile cases ran ($NCASES)" test "$NCASES" -ge 40

# The HA is alive and counted what it dropped, by reason.
check "the HA answers on its control socket" sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status >/dev/null"
counters=$(mip6_json ha counters)
echo "# HA counters: $counters"
check "drops counted: bad-address" grep -q '"bad-address":[1-9]' <<<"$counters"
check "drops counted: no-cn-role" grep -q '"no-cn-role":[1-9]' <<<"$counters"
# (a bad checksum never reaches us: the kernel checks it on the MH socket)
check "drops counted: unexpected (BA, BRR, BE, HoT at the HA)" grep -q '"unexpected":[4-9]' <<<"$counters"
check "drops counted: malformed" grep -q '"malformed":[1-9]' <<<"$counters"
check "drops counted: reverse-tunnel-source (RFC 6275 §10.4.5)" grep -q '"reverse-tunnel-source":[1-9]' <<<"$counters"
tc -n "$NS_HA" -s filter show dev mip6tnl0 ingress | sed 's/^/# tc: /'
# The filters are the bindings': one per valid binding (the legitimate MN's), plus the drop.
check "one reverse-tunnel filter per binding (tc)" \
	test "$(tc -n "$NS_HA" filter show dev mip6tnl0 ingress pref 1 | grep -c "handle")" = 1
bindings_after=$(mip6_json ha bc | grep -o '"registrations":[0-9]*')
echo "# HA registrations before/after the cases: $bindings_before / $bindings_after (one control case registers)"
check "only the legitimate bindings are in the cache" \
	sh -c "[ \"\$('$MIP6CTL' -s /run/mip6-ha.ctl --json bc | grep -o '\"state\":\"valid\"' | wc -l)\" = 1 ]"
check "the legitimate MN's binding survived the cases" bc_has "$MN_COA_F1"

# The legitimate MN still registers after all that.
mn_registers foreign2 "$MN_COA_F2"

# What the HA sent on the home link, read by tshark (an independent decoder).
kill -INT "$CAP_PID" 2>/dev/null
wait_for 5 _mip6_gone "$CAP_PID"
# One tshark run (its start costs 15-50 s under TCG) prints every NS and NA the HA sent; the
# questions below select from its lines as tshark's display filters would: a field that occurs
# more than once is printed comma-separated, and "F == V" holds when any occurrence is V.
# Columns: type, S flag, malformed (empty if not), NA target, R, O, Target LLA, NS target,
# IPv6 source, hop limit.
nd=$(tshark -r "$TOPO_DIR/ha.pcap" -Y "(icmpv6.type == 135 || icmpv6.type == 136) && eth.src == $HA_MAC" \
	-T fields -e icmpv6.type -e icmpv6.nd.na.flag.s -e _ws.malformed -e icmpv6.nd.na.target_address \
	-e icmpv6.nd.na.flag.r -e icmpv6.nd.na.flag.o -e icmpv6.opt.linkaddr -e icmpv6.nd.ns.target_address \
	-e ipv6.src -e ipv6.hlim 2>/dev/null) || nd=""
# nd_select AWK-CONDITION OUT-COLUMNS: the lines of $nd matching, with these columns (tab-separated).
# In the condition, any(COLUMN, VALUE...) is "COLUMN == VALUE" for one of the values.
nd_select() {
	awk -F'\t' -v OFS='\t' "
		function any(f, a, b, n, i, v) { n = split(f, v, \",\"); for (i = 1; i <= n; i++) if (v[i] == a || (b != \"\" && v[i] == b)) return 1; return 0 }
		$1 { print $2 }" <<<"$nd"
}
# shellcheck disable=SC2016 # awk's, not the shell's
nas=$(nd_select 'any($1, "136") && any($2, "0", "False")' '$4, $5, $6')
echo "# unsolicited NAs from the HA (target, R, O): mip6d's announcements and its answers to DAD"
echo "# probes (both O=1, RFC 6275 §10.4.1; no kernel proxy entry answers any more)"
printf '%s\n' "$nas" | sed 's/^/#   /'
check "tshark: the HA sent unsolicited proxy NAs" test -n "$nas"
# shellcheck disable=SC2016
check "tshark: every NA from the HA has R=0 (RFC 6275 §10.4.1)" \
	awk -F'\t' 'NF && $2 != "0" && $2 != "False" { bad = 1 } END { exit bad }' <<<"$nas"
# shellcheck disable=SC2016
check "tshark: every announced address has an NA with O=1 (RFC 6275 §10.4.1)" \
	awk -F'\t' 'NF { t[$1] = 1 } NF && ($3 == "1" || $3 == "True") { o[$1] = 1 } END { for (a in t) if (!(a in o)) bad = 1; exit bad }' <<<"$nas"

# The HA's answers to address resolution (S=1): O=1, the HA's MAC as Target LLA (RFC 6275 §10.4.1).
ha_mac_lc=$(tr 'A-F' 'a-f' <<<"$HA_MAC")
# The kernel's own answers for the HA's addresses are not mip6d's (RFC 4861 §7.2.4 lets them
# carry O=0 and no Target LLA for a unicast NS): left out.
own=$(ip -n "$NS_HA" -6 -o addr show dev "$HA_IF" | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
# shellcheck disable=SC2016 # awk's, not the shell's
sol=$(nd_select 'any($1, "136") && any($2, "1", "True")' '$4, $6, $7' |
	awk -F'\t' -v own="$own" 'BEGIN { n = split(own, a, " "); for (i = 1; i <= n; i++) o[a[i]] = 1 } !($1 in o)')
echo "# solicited NAs from the HA for the bindings (target, O, Target LLA; the HA's own addresses: $own):"
printf '%s\n' "$sol" | sed 's/^/#   /'
check "tshark: the HA answered NSs (solicited NAs)" test -n "$sol"
# shellcheck disable=SC2016
check "tshark: every solicited NA has O=1 and the HA's MAC as Target LLA" \
	awk -F'\t' -v m="$ha_mac_lc" 'NF && (($2 != "1" && $2 != "True") || tolower($3) != m) { bad = 1 } END { exit bad }' <<<"$sol"
# shellcheck disable=SC2016
check "tshark: no NA from the HA is malformed" \
	test -n "$nd" -a -z "$(nd_select 'any($1, "136") && $3 != ""' '$1')"

# The HA's DAD probes for the cases' HoAs (2001:db8:1::7:N, with L=1 fe80::7:N).
# shellcheck disable=SC2016 # awk's, not the shell's
probes=$(nd_select 'any($1, "135")' '$8, $9, $10' | grep -E '^(2001:db8:1::7:|fe80::7:)')
echo "# DAD probes from the HA (target, source, hop limit):"
printf '%s\n' "$probes" | sed 's/^/#   /'
probes_for() { grep -q "^$1" <<<"$probes"; }
check "tshark: the HA sent DAD probes for HoAs" probes_for 2001:db8:1::7:
check "tshark: the HA sent DAD probes for link-local addresses (L=1)" probes_for fe80::7:
# shellcheck disable=SC2016
check "tshark: every DAD probe is from :: with hop limit 255 (RFC 4862 §5.4.2, RFC 6275 §10.4.1)" \
	awk -F'\t' 'NF && ($2 != "::" || $3 != "255") { bad = 1 } END { exit bad }' <<<"$probes"

if [ "$fails" -gt 0 ]; then
	echo "# HA log (tail):"
	tail -40 "$TOPO_DIR/ha.log" | sed 's/^/#   /'
fi
mip6_stop mn
mip6_stop ha
# SIGTERM removed the tunnel device, and with it the clsact qdisc and every filter.
check "after SIGTERM: no tunnel device, no reverse-tunnel filter left" \
	sh -c "! ip -n '$NS_HA' link show mip6tnl0 >/dev/null 2>&1"
[ "$fails" = 0 ]
