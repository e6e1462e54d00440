#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 900
#
# route-optimisation: the mobile node's route optimisation with a correspondent running mip6d
# (issue 12; RFC 6275 §5.2, §9, §11.3.1, §11.6-11.7). Topology of topo.sh: HA, MN and CN all
# mip6d, the MN with DoRouteOptimizationMN and MnRoPolicy naming the CN, UseCnBuAck. The CN
# pings the HoA every 20 ms for the whole run. The MN moves home -> foreign1 -> foreign2 ->
# foreign1 -> home. Checks, away: the return routability procedure completes and the CN's
# `mip6ctl bc` lists the binding with the current CoA; the MN's data path goes direct; after
# that no echo packet of the CN's pings crosses the HA's link (its capture, packets stamped
# after the MN's data path went direct and before the next move); the CN's pings come back
# after the move (replies stamped after it). At home: the binding is removed at the CN
# (deregistration) and no RO XFRM object is left on the MN. The CN's capture: Echo Replies
# from the CoA with a Home Address option, Echo Requests to the CoA with a type 2 routing
# header, and every MH decoded by tshark without malformed or expert-error fields. A CN
# restart loses the binding: the MN's direct packets get a Binding Error status 1 and the MN
# runs the procedure again (RFC 6275 §11.3.6) until the CN lists the binding again.
# Prints the RR time of each move (the CN's capture: first HoTI/CoTI to the BA) and the gap
# per move in the CN's pings (RO), with the home registration's BU->BA.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

PY=/usr/bin/python3

topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"

topo_bg "$NS_HA" cap-ha tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha.pcap" ip6
topo_bg "$NS_CN" cap-cn tcpdump --immediate-mode -i "$CN_IF" -U -n -w "$TOPO_DIR/cn.pcap" ip6
wait_for 5 grep -q listening "$TOPO_DIR/cap-ha.log"
wait_for 5 grep -q listening "$TOPO_DIR/cap-cn.log"

mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindingLife 600;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -q 'binding(s)$'" ||
	{ not_ok "HA ready"; sed 's/^/#   /' "$TOPO_DIR/ha.log"; exit 1; }
CN_CONF="NodeConfig CN;"
mip6_start "$NS_CN" cn "$CN_CONF" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl status | grep -q 'binding(s)$'" ||
	{ not_ok "CN ready"; sed 's/^/#   /' "$TOPO_DIR/cn.log"; exit 1; }
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
DoRouteOptimizationMN enabled;
UseCnBuAck enabled;
MnMaxHaBindingLife 300;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
	MnRoPolicy $CN_ADDR enabled;
}" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -q '\"location\":\"home\"'" ||
	{ not_ok "MN at home"; sed 's/^/#   /' "$TOPO_DIR/mn.log"; exit 1; }
wait_for 10 topo_ping "$NS_CN" "$MN_HOA" >/dev/null || not_ok "CN reaches the HoA at home"

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.02 -W 1 "$MN_HOA"
PING_PID=$TOPO_LAST_PID
wait_for 10 grep -q 'bytes from' "$TOPO_DIR/ping.log" || not_ok "the CN's pings are answered at home"

cn_bc_has() { mip6_json cn bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$1\""; }
cn_bc_empty() { ! mip6_json cn bc | grep -q "\"hoa\":\"$MN_HOA\""; }
ro_direct() { bul_is "\"cn\":\"$CN_ADDR\",\"coa\":\"$1\",\"state\":\"bound\"[^}]*\"data_path\":\"direct\""; }
mn_ro_objects() { ip -n "$NS_MN" xfrm state | grep -q "$CN_ADDR" || ip -n "$NS_MN" xfrm policy | grep -q "$CN_ADDR"; }
# Echo packets of the CN's pings seen on the HA's link in [from, to) (µs, the capture's clock).
ha_echoes() {
	awk -F'\t' '$2 ~ /^12[89]/' "$TOPO_DIR/ha.txt" |
		awk -v a="$1" -v b="$2" '{ split($1, s, "."); t = s[1] * 1000000 + substr(s[2] "000000", 1, 6) } t >= a && t < b { n++ } END { print n + 0 }'
}

declare -a MOVE_T MOVE_NAME DIRECT_T
move() { # move LINK COA
	local link=$1 coa=$2 t
	t=$(now_us)
	MOVE_T+=("$t")
	MOVE_NAME+=("$MN_LINK->$link")
	topo_log "move $MN_LINK -> $link"
	move_mn "$link" || { not_ok "move to $link"; return; }
	if [ "$link" = home ]; then
		check "$link: deregistered at the HA (BA status 0)" wait_for 20 bul_is '"location":"home","entries":\[{[^]]*"state":"none"[^]]*"last_status":0'
		check "$link: the CN's binding is removed" wait_for 20 cn_bc_empty
		check "$link: no route-optimisation XFRM object left on the MN" wait_for 10 sh -c "! { ip -n '$NS_MN' xfrm state | grep -q '$CN_ADDR' || ip -n '$NS_MN' xfrm policy | grep -q '$CN_ADDR'; }"
		DIRECT_T+=("")
	else
		check "$link: registered at the HA with CoA $coa" \
			wait_for 20 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"[^]]*\"last_status\":0"
		check "$link: RR done, the CN's binding cache shows $coa" wait_for 30 cn_bc_has "$coa"
		check "$link: the MN's data path to the CN is direct" wait_for 10 ro_direct "$coa"
		DIRECT_T+=("$(now_us)")
	fi
	check "$link: the CN's pings come back" wait_for 20 replies_after "$MOVED_US"
}

move foreign1 "$MN_COA_F1"
check "foreign1: the MN's XFRM states: hao to the CN with the CoA, route2 from the CN" sh -c \
	"ip -n '$NS_MN' xfrm state | grep -A3 'src $MN_HOA dst $CN_ADDR' | grep -q 'proto hao' && ip -n '$NS_MN' xfrm state | grep -q 'src $CN_ADDR dst $MN_HOA'"
move foreign2 "$MN_COA_F2"
move foreign1 "$MN_COA_F1"
move home ""
move foreign1 "$MN_COA_F1"

# The CN restarts: its bindings are gone; the MN's direct packets (HAO) get Binding Error 1
# and the MN registers again (§11.3.6).
restarts0=$(mip6_json mn bul | grep -o '"restarts":[0-9]*' | head -1 | cut -d: -f2)
t_restart=$(now_us)
MOVE_T+=("$t_restart")
MOVE_NAME+=("CN restart")
mip6_stop cn || not_ok "the CN stopped on SIGTERM"
mip6_start "$NS_CN" cn "$CN_CONF" || exit 1
check "CN restart: Binding Error status 1 sent by the CN" wait_for 20 sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"be_unknown_hao_sent\":[1-9]'"
check "CN restart: the MN ran the procedure again (restarts > ${restarts0:-0})" wait_for 20 sh -c \
	"'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -o '\"restarts\":[0-9]*' | head -1 | awk -F: '{ exit !(\$2 > ${restarts0:-0}) }'"
check "CN restart: the CN lists the binding again" wait_for 30 cn_bc_has "$MN_COA_F1"
check "CN restart: direct again" wait_for 10 ro_direct "$MN_COA_F1"
DIRECT_T+=("$(now_us)")
check "CN restart: the CN's pings come back" wait_for 20 replies_after "$t_restart"
topo_msleep 3000 # a measurement window of direct traffic (not a wait for an event)
MOVE_T+=("$(now_us)")

mip6_stop mn || not_ok "the MN stopped on SIGTERM"
cp "$TOPO_DIR/mn.log" "$TOPO_DIR/mn-ro.log"
check "MN stopped: no route-optimisation XFRM object left" sh -c "! { ip -n '$NS_MN' xfrm state | grep -q '$CN_ADDR' || ip -n '$NS_MN' xfrm policy | grep -q '$CN_ADDR'; }"

# The comparison: the same moves without route optimisation (the MN restarted away with
# DoRouteOptimizationMN disabled, the CN restarted so that it holds no binding): the gap in
# the CN's pings is the home registration's.
mip6_stop cn
mip6_start "$NS_CN" cn "$CN_CONF" || exit 1
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
DoRouteOptimizationMN disabled;
MnMaxHaBindingLife 300;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}" || exit 1
t=$(now_us)
check "without RO: registered at the HA from foreign1" \
	wait_for 20 bul_is "\"coa\":\"$MN_COA_F1\",\"state\":\"registered\"[^]]*\"last_status\":0"
check "without RO: the CN's pings come back through the tunnel" wait_for 20 replies_after "$t"
declare -a PLAIN_T PLAIN_NAME
for l in foreign2 foreign1; do
	PLAIN_T+=("$(now_us)")
	PLAIN_NAME+=("$MN_LINK->$l")
	move_mn "$l" || not_ok "without RO: move to $l"
	c=$MN_COA_F1
	[ "$l" = foreign2 ] && c=$MN_COA_F2
	check "without RO, $l: registered with $c" wait_for 20 bul_is "\"coa\":\"$c\",\"state\":\"registered\"[^]]*\"last_status\":0"
	check "without RO, $l: the CN's pings come back" wait_for 20 replies_after "$MOVED_US"
done
topo_msleep 1000 # the last window's end (a measurement, not a wait for an event)
PLAIN_T+=("$(now_us)")
check "without RO: no binding at the CN" cn_bc_empty
kill "$PING_PID" 2>/dev/null
mip6_stop mn
pkill -INT tcpdump 2>/dev/null
wait_for 5 sh -c "! pgrep -x tcpdump >/dev/null"

# One tshark run per capture (its start costs seconds under TCG): the fields, then awk.
# HA's link: time, ICMPv6 type(s), MH type(s) (tunnelled packets: inner and outer layers).
tshark -r "$TOPO_DIR/ha.pcap" -Y "icmpv6.type == 128 || icmpv6.type == 129 || mipv6" -T fields -E separator=/t \
	-e frame.time_epoch -e icmpv6.type -e mip6.mhtype -e ipv6.src 2>/dev/null >"$TOPO_DIR/ha.txt"
# CN's link: time, ICMPv6 type, src, dst, HAO, routing type, RH2's address, MH type, malformed/error.
f=$TOPO_DIR/cn.pcap
tshark -r "$f" -Y "mipv6 || icmpv6.type == 128 || icmpv6.type == 129" -T fields -E separator=/t \
	-e frame.time_epoch -e icmpv6.type -e ipv6.src -e ipv6.dst -e ipv6.opt.mipv6.home_address \
	-e ipv6.routing.type -e ipv6.routing.mipv6.home_address -e mip6.mhtype 2>/dev/null >"$TOPO_DIR/cn.txt"
# The MH, HAO and RH2 packets tshark finds malformed or with an expert error (a filter: one run).
bad=$(tshark -r "$f" -Y "(mipv6 || ipv6.opt.mipv6.home_address || ipv6.routing.type == 2) && (_ws.malformed || _ws.expert.severity == \"Error\")" \
	2>/dev/null | wc -l)
echo "# tshark: $(wc -l <"$TOPO_DIR/ha.txt") packets of interest on the HA's link, $(wc -l <"$TOPO_DIR/cn.txt") on the CN's"

# No echo packet through the HA's link while the MN's path was direct (each foreign stay).
for i in "${!MOVE_NAME[@]}"; do
	d=${DIRECT_T[$i]}
	[ -n "$d" ] || continue
	end=${MOVE_T[$((i + 1))]}
	n=$(ha_echoes "$d" "$end")
	check "${MOVE_NAME[$i]}: no echo packet on the HA's link while direct ($n, $(((end - d) / 1000)) ms)" test "$n" = 0
done
n=$(ha_echoes "${MOVE_T[0]}" "${DIRECT_T[0]}")
check "control: echo packets crossed the HA's link before RR completed ($n)" test "$n" -gt 0

cnf() { awk -F'\t' "$1" "$TOPO_DIR/cn.txt"; }
hao=$(cnf '$2 == 129 && $5 != "" { print $3, $5 }' | sort | uniq -c | awk '{ printf "%s %s (%s); ", $2, $3, $1 }')
check "tshark (CN): Echo Replies in from the CoAs with a HAO holding the HoA: $hao" \
	eval '[[ "$hao" == *"$MN_COA_F1 $MN_HOA"* && "$hao" == *"$MN_COA_F2 $MN_HOA"* ]]'
rh2=$(cnf '$2 == 128 && $6 == "2" { print $4, $7 }' | sort | uniq -c | awk '{ printf "%s %s (%s); ", $2, $3, $1 }')
check "tshark (CN): Echo Requests out to the CoAs with an RH2 holding the HoA: $rh2" \
	eval '[[ "$rh2" == *"$MN_COA_F1 $MN_HOA"* && "$rh2" == *"$MN_COA_F2 $MN_HOA"* ]]'
types=$(cnf '$8 != "" { print $8 }' | sort -n | uniq -c | awk '{printf "%s:%s ", $2, $1}')
all_types() { for t in 1 2 3 4 5 6 7; do [[ " $types" == *" $t:"* ]] || return 1; done; }
check "tshark (CN): HoTI, CoTI, HoT, CoT, BU, BA, BE decoded (type:count $types), $bad malformed/expert errors" \
	eval 'all_types && [ "$bad" = 0 ]'
bu_hao=$(cnf '$8 == 5 && $5 != "" { print $3 }' | sort -u | tr '\n' ' ')
check "tshark (CN): the MN's BUs away come from the CoA with a HAO ($bu_hao)" \
	eval '[[ "$bu_hao" == *"$MN_COA_F1"* && "$bu_hao" == *"$MN_COA_F2"* ]]'
hoti_tnl=$(awk -F'\t' -v h="$MN_HOA" '$3 ~ /(^|,)1(,|$)/ && $4 ~ h' "$TOPO_DIR/ha.txt" | wc -l)
check "tshark (HA): the HoTIs cross the HA's link (the tunnel): $hoti_tnl" test "$hoti_tnl" -gt 0

# Figures: the RR time of each registration at the CN (first HoTI/CoTI after the move to the
# BA), the gap per move in the CN's pings, the home registration's BU->BA.
topo_log "route optimisation figures (not asserted):"
cnf '$8 != "" { print $1, $8 }' >"$TOPO_DIR/rr.txt"
gaps=$(awk -v moves="${MOVE_T[*]}" '
	BEGIN { n = split(moves, m, " ") }
	/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); t[++k] = a[1] * 1000000 + substr(a[2] "000000", 1, 6) }
	END { for (i = 1; i < n; i++) {
		end = (m[i + 1] < m[i] + 20000000) ? m[i + 1] : m[i] + 20000000; gap = -1
		for (j = 1; j < k; j++) if (t[j + 1] > m[i] && t[j] < end && t[j + 1] - t[j] > gap) gap = t[j + 1] - t[j]
		printf "%d\n", gap < 0 ? -1 : gap / 1000 } }' "$TOPO_DIR/ping.log")
mapfile -t gap_a <<<"$gaps"
bu_ba=$(grep -o 'BU->BA [0-9.]* ms' "$TOPO_DIR/mn-ro.log" | awk '{ print $2 }' | tr '\n' ' ')
for i in "${!MOVE_NAME[@]}"; do
	a=${MOVE_T[$i]} b=${MOVE_T[$((i + 1))]}
	# The CN's link in the window: RR = first HoTI/CoTI to the BA that follows; the MH types
	# seen (1 HoTI, 2 CoTI, 3 HoT, 4 CoT, 5 BU, 6 BA, 7 BE) with ms from the first of them.
	rr=$(awk -v a="$a" -v b="$b" '{ split($1, s, "."); t = s[1] * 1000000 + substr(s[2] "000000", 1, 6) }
		t < a || t >= b { next }
		!t0 { t0 = t }
		{ seq = seq sprintf(" %s@%.0f", $2, (t - t0) / 1000) }
		($2 == 1 || $2 == 2) && !first { first = t }
		$2 == 5 { bu = t }
		$2 == 6 && first && !ba { ba = t }
		$2 == 6 && bu { buba = t - bu }
		END { if (first && ba) printf "RR+BU->BA %.1f ms", (ba - first) / 1000
		      else if (bu) printf "no RR (tokens still valid), BU->BA %.1f ms", buba / 1000
		      else printf "no MH"
		      printf ";%s", seq }' "$TOPO_DIR/rr.txt")
	echo "# ${MOVE_NAME[$i]}: gap ${gap_a[$i]:-?} ms in the CN's pings; at the CN: $rr"
done
plain=$(awk -v moves="${PLAIN_T[*]}" '
	BEGIN { n = split(moves, m, " ") }
	/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); t[++k] = a[1] * 1000000 + substr(a[2] "000000", 1, 6) }
	END { for (i = 1; i < n; i++) { gap = -1
		for (j = 1; j < k; j++) if (t[j + 1] > m[i] && t[j] < m[i + 1] && t[j + 1] - t[j] > gap) gap = t[j + 1] - t[j]
		printf "%s%d", (i > 1) ? " " : "", (gap < 0) ? -1 : gap / 1000 } }' "$TOPO_DIR/ping.log")
echo "# without RO (home registration only), gap in the CN's pings: ${PLAIN_NAME[*]}: $plain ms"
echo "# home registration BU->BA (ms, each move): $bu_ba"
check "every gap is measured and below a generous 20 s" \
	awk 'BEGIN { bad = 0 } $1 < 0 || $1 > 20000 { bad = 1 } END { exit bad }' <<<"$gaps"

if [ "$fails" -gt 0 ]; then
	for n in mn-ro mn cn ha; do
		echo "# $n log (tail):"
		tail -40 "$TOPO_DIR/$n.log" | sed 's/^/#   /'
	done
	ip -n "$NS_MN" xfrm policy | sed 's/^/# mn xfrm: /'
fi
mip6_stop cn
mip6_stop ha
[ "$fails" = 0 ]
