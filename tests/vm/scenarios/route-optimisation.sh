#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 600
#
# route-optimisation: the mobile node's route optimisation with a correspondent running mip6d
# (issue 12; RFC 6275 §5.2, §9, §11.3.1, §11.6-11.7). Topology of topo.sh: HA, MN and CN all
# mip6d, the MN with DoRouteOptimizationMN and MnRoPolicy naming the CN, UseCnBuAck. The CN
# pings the HoA every 20 ms for the whole run. The MN moves home -> foreign1 -> foreign2 ->
# foreign1 -> home -> foreign1. Checks, away: the return routability procedure completes and
# the CN's `mip6ctl bc` lists the binding with the current CoA; the MN's data path goes
# direct; the CN's pings come back on it (5 replies stamped after that); from then to the next
# move no echo packet of the CN's pings crosses the HA's link (its capture; control: some do
# before the first RR completed). At home: the binding is removed at the CN (deregistration)
# and no RO XFRM object is left on the MN. The CN's capture: Echo Replies from both CoAs with
# a Home Address option, Echo Requests to both with a type 2 routing header, every MH type of
# the procedure (HoTI..BE) and no MH, HAO or RH2 packet that tshark finds malformed or with an
# expert error; the MN's BUs come from the CoAs with a HAO; the HoTIs cross the HA's link. A
# CN restart loses the binding: the MN's direct packets get a Binding Error status 1 and the
# MN runs the procedure again (RFC 6275 §11.3.6) until the CN lists the binding again.
# MnRoPolicy also names the router's address on the CN link, a node without Mobile IPv6: its
# kernel answers the HoTI and CoTI with an ICMPv6 Parameter Problem code 1; the MN counts it,
# sends it no HoTI over the rest of the run (the HA's capture, every later move) and the pings
# between it and the HoA are answered through the HA (RFC 6275 §11.3.5, §8.1). The MN stopped
# deregistered at the CN (its bc is empty at once, §11.7.2) and leaves no RO XFRM object.
# Both captures are read by ONE tshark run (pcap_merge keeps them apart as two interfaces).
# Prints per move: the gap in the CN's pings with RO, split at the HA's BA into the last reply
# -> the HA's BA (the home registration's part: a gap without RO cannot be shorter) and the
# HA's BA -> the next reply (what RO adds), the RR time at the CN (first HoTI/CoTI to the BA)
# with the MH sequence; and the home registration's BU->BA.
# RO_COMPARE=1 (not in CI: it costs a restart of both daemons and two more moves) adds the
# same moves foreign1 -> foreign2 -> foreign1 without RO and prints their gaps.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

T_START=$EPOCHREALTIME # the phases' times in the log: where this scenario spends its CI time
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"

topo_bg "$NS_HA" cap-ha tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha.pcap" ip6
CAP_PIDS=("$TOPO_LAST_PID")
topo_bg "$NS_CN" cap-cn tcpdump --immediate-mode -i "$CN_IF" -U -n -w "$TOPO_DIR/cn.pcap" ip6
CAP_PIDS+=("$TOPO_LAST_PID")
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
# mn_conf POLICY_LINES [TOP_LINES]: the MN's configuration, its MnRoPolicy lines (and more
# top-level lines) given.
mn_conf() {
	echo "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
DoRouteOptimizationMN enabled;
UseCnBuAck enabled;
MnMaxHaBindingLife 300;${2:+
$2}
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
$1
}"
}
mip6_start "$NS_MN" mn "$(mn_conf "	MnRoPolicy $CN_ADDR enabled;
	MnRoPolicy $RT_CN enabled;")" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -q '\"location\":\"home\"'" ||
	{ not_ok "MN at home"; sed 's/^/#   /' "$TOPO_DIR/mn.log"; exit 1; }
wait_for 10 topo_ping "$NS_CN" "$MN_HOA" >/dev/null || not_ok "CN reaches the HoA at home"

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.02 -W 1 "$MN_HOA"
PING_PID=$TOPO_LAST_PID
wait_for 10 grep -q 'bytes from' "$TOPO_DIR/ping.log" || not_ok "the CN's pings are answered at home"

cn_bc_has() { mip6_json cn bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$1\""; }
cn_bc_empty() { ! mip6_json cn bc | grep -q "\"hoa\":\"$MN_HOA\""; }
ro_direct() { bul_is "\"cn\":\"$CN_ADDR\",\"coa\":\"$1\",\"state\":\"bound\"[^}]*\"data_path\":\"direct\""; }
mn_no_ro_objects() { ! { ip -n "$NS_MN" xfrm state | grep -q "$CN_ADDR" || ip -n "$NS_MN" xfrm policy | grep -q "$CN_ADDR"; }; }
mn_no_trigger() { ! ip -n "$NS_MN" xfrm policy | grep -q "src $MN_HOA/128 dst ::/0"; }
# The learning trigger as the kernel lists it: HoA/128 -> ::/0 any protocol, out, a hao template "use".
mn_trigger() { ip -n "$NS_MN" xfrm policy | grep -A4 "^src $MN_HOA/128 dst ::/0 *\$" | tr '\n' ' ' | grep -q 'dir out .*proto hao .*mode ro.*level use'; }
# At least N of the CN's pings answered with a -D stamp after T (µs).
replies_since() { ping_stamps "$TOPO_DIR/ping.log" | awk -v t="$1" -v n="$2" '$1 > t { k++ } END { exit !(k >= n) }'; }

# MOVE_T: each event's instant (taken before the link change), then the end of the last
# window; DIRECT_T: when the MN's data path was seen direct ("" at home).
declare -a MOVE_T MOVE_NAME DIRECT_T
move() { # move LINK COA
	local link=$1 coa=$2 d
	MOVE_T+=("$(now_us)")
	MOVE_NAME+=("$MN_LINK->$link")
	topo_log "move $MN_LINK -> $link (at $(elapsed "$T_START") s)"
	move_mn "$link" || { not_ok "move to $link"; return; }
	if [ "$link" = home ]; then
		check "$link: deregistered at the HA (BA status 0)" wait_for 20 bul_is '"location":"home","entries":\[{[^]]*"state":"none"[^]]*"last_status":0'
		check "$link: the CN's binding is removed" wait_for 20 cn_bc_empty
		check "$link: no route-optimisation XFRM object left on the MN" wait_for 10 mn_no_ro_objects
		DIRECT_T+=("")
		check "$link: the CN's pings come back" wait_for 20 replies_after "$MOVED_US"
	else
		check "$link: registered at the HA with CoA $coa" \
			wait_for 20 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"[^]]*\"last_status\":0"
		check "$link: RR done, the CN's binding cache shows $coa" wait_for 30 cn_bc_has "$coa"
		check "$link: the MN's data path to the CN is direct" wait_for 10 ro_direct "$coa"
		d=$(now_us)
		DIRECT_T+=("$d")
		# The window checked on the HA's capture holds at least 5 echoes answered direct.
		check "$link: the CN's pings come back (5 replies after the path went direct)" wait_for 20 replies_since "$d" 5
	fi
}

move foreign1 "$MN_COA_F1"
check "foreign1: the MN's XFRM states: hao to the CN with the CoA, route2 from the CN" sh -c \
	"ip -n '$NS_MN' xfrm state | grep -A3 'src $MN_HOA dst $CN_ADDR' | grep -q 'proto hao' && ip -n '$NS_MN' xfrm state | grep -q 'src $CN_ADDR dst $MN_HOA'"
check "foreign1: no learning trigger without a wildcard MnRoPolicy (no policy HoA -> ::/0)" mn_no_trigger
move foreign2 "$MN_COA_F2"
move foreign1 "$MN_COA_F1"
move home ""
move foreign1 "$MN_COA_F1"

# The CN restarts: its bindings are gone; the MN's direct packets (HAO) get Binding Error 1
# and the MN registers again (§11.3.6).
restarts0=$(mip6_json mn bul | grep -o '"restarts":[0-9]*' | head -1 | cut -d: -f2)
MOVE_T+=("$(now_us)")
MOVE_NAME+=("CN restart")
topo_log "CN restart (at $(elapsed "$T_START") s)"
mip6_stop cn || not_ok "the CN stopped on SIGTERM"
mip6_start "$NS_CN" cn "$CN_CONF" || exit 1
check "CN restart: Binding Error status 1 sent by the CN" wait_for 20 sh -c "'$MIP6CTL' -s /run/mip6-cn.ctl --json status | grep -q '\"be_unknown_hao_sent\":[1-9]'"
check "CN restart: the MN ran the procedure again (restarts > ${restarts0:-0})" wait_for 20 sh -c \
	"'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -o '\"restarts\":[0-9]*' | head -1 | awk -F: '{ exit !(\$2 > ${restarts0:-0}) }'"
check "CN restart: the CN lists the binding again" wait_for 30 cn_bc_has "$MN_COA_F1"
check "CN restart: direct again" wait_for 10 ro_direct "$MN_COA_F1"
d=$(now_us)
DIRECT_T+=("$d")
check "CN restart: the CN's pings come back (25 replies after the path went direct)" wait_for 20 replies_since "$d" 25
MOVE_T+=("$(now_us)")

# The router's address on the CN link: a correspondent without Mobile IPv6 (RFC 6275 §11.3.5).
# After the last direct window: its pings cross the HA's link.
check "no-MH correspondent $RT_CN: the MN took its ICMPv6 Parameter Problem code 1 (counted)" sh -c \
	"'$MIP6CTL' -s /run/mip6-mn.ctl --json counters | grep -Eq '\"no_mobility_header\":[1-9]'"
check "no-MH correspondent: route optimisation with it disabled, no data path" \
	bul_is "\"cn\":\"$RT_CN\",\"coa\":\"[^\"]*\",\"state\":\"disabled\"[^}]*\"data_path\":\"off\""
check "no-MH correspondent: its pings to the HoA are answered" topo_ping "$NS_RT" "$MN_HOA" -I "$RT_CN"

t=$(now_us)
mip6_stop mn || not_ok "the MN stopped on SIGTERM"
echo "# MN stop (SIGTERM to exit, the deregistration BU and its BA first): $((($(now_us) - t) / 1000)) ms"
cp "$TOPO_DIR/mn.log" "$TOPO_DIR/mn-ro.log"
check "MN stopped: its binding at the CN is deleted (deregistration BU on SIGTERM, RFC 6275 §11.7.2)" cn_bc_empty
check "MN stopped: no route-optimisation XFRM object left" mn_no_ro_objects
check "MN stopped: no XFRM object for the no-MH correspondent either" sh -c \
	"! { ip -n '$NS_MN' xfrm state | grep -q '$RT_CN' || ip -n '$NS_MN' xfrm policy | grep -q '$RT_CN'; }"

# Correspondents learnt from traffic (issue 12 item 2, RFC 6275 §11.7.2): the CN without a
# binding (the MN deregistered on SIGTERM; else the CN restarts), the MN restarted on foreign1
# with a wildcard `MnRoPolicy enabled;` naming no one. The CN's pings reach the HoA through the
# tunnel; the replies meet the MN's trigger policy, the kernel's ACQUIRE makes the MN learn the
# CN: RR, the CN's binding for the CoA, direct data. MnMaxCnBindingLife 8 (two lifetime units on
# the wire): the CN in use keeps its binding past its first lifetime (RFC 6275 §11.7.2, the
# MN's hao state's count read 3 s before the expiry, 1 s before the CN's own Binding Refresh
# Request would go: a second BU, no echo on the HA's link, not learnt again); then the CN's
# pings paused, the idle binding expires and the entry goes (while tshark runs).
topo_log "learning from traffic (at $(elapsed "$T_START") s)"
LEARN_T0=$(now_us)
if ! wait_for 5 cn_bc_empty; then
	mip6_stop cn || not_ok "the CN stopped on SIGTERM"
	mip6_start "$NS_CN" cn "$CN_CONF" || exit 1
fi
mip6_start "$NS_MN" mn "$(mn_conf "	MnRoPolicy enabled;" "MnMaxCnBindingLife 8;")" || exit 1
check "learnt: registered at the HA with CoA $MN_COA_F1" \
	wait_for 20 bul_is "\"coa\":\"$MN_COA_F1\",\"state\":\"registered\"[^]]*\"last_status\":0"
check "learnt: the trigger policy (HoA/128 -> ::/0, out, hao template level use)" wait_for 10 mn_trigger
check "learnt: the CN's binding cache shows $MN_COA_F1" wait_for 30 cn_bc_has "$MN_COA_F1"
check "learnt: the MN learnt the CN from its traffic, data path direct" wait_for 10 bul_is \
	"\"cn\":\"$CN_ADDR\",\"coa\":\"$MN_COA_F1\",\"state\":\"bound\"[^}]*\"learnt\":true[^}]*\"data_path\":\"direct\""
LEARN_D=$(now_us)
check "learnt: the CN's pings come back (5 replies after the path went direct)" wait_for 20 replies_since "$LEARN_D" 5
# The first binding (8 s, from its BU before LEARN_D) is over by LEARN_D + 8.5 s.
check "learnt, in use: 5 replies after the first binding's end" wait_for 20 replies_since $((LEARN_D + 8500000)) 5
check "learnt, in use: refreshed by the MN, still learnt once (ro_learnt_refreshed >= 1, ro_acquire_learnt 1)" \
	eval "bul_is '\"ro_learnt_refreshed\":[1-9]' && bul_is '\"ro_acquire_learnt\":1,'"
LEARN_T1=$(now_us)
# Nothing after this is read from the captures: they stop, and ONE tshark run for both (each
# start costs 15-50 s under TCG: pcap_merge keeps them as two interfaces, frame.interface_id 0
# = the HA's link, 1 = the CN's) goes on in the background while the idle expiry is waited for.
# Fields: 1 interface, 2 time, 3 ICMPv6 type(s), 4 src(s), 5 dst(s), 6 HAO, 7 routing type,
# 8 RH2's address, 9 MH type(s), 10 malformed, 11 expert severities (tunnelled packets list the
# inner and outer layers' values, comma-separated).
topo_log "captures stop (at $(elapsed "$T_START") s)"
kill -INT "${CAP_PIDS[@]}" 2>/dev/null
wait "${CAP_PIDS[@]}" 2>/dev/null
all=$TOPO_DIR/all.txt
{
	pcap_merge "$TOPO_DIR/all.pcapng" "$TOPO_DIR/ha.pcap" "$TOPO_DIR/cn.pcap" &&
		tshark -r "$TOPO_DIR/all.pcapng" \
			-Y "mipv6 || icmpv6.type == 128 || icmpv6.type == 129 || ipv6.opt.mipv6.home_address || ipv6.routing.type == 2" \
			-T fields -E separator=/t -e frame.interface_id -e frame.time_epoch -e icmpv6.type -e ipv6.src \
			-e ipv6.dst -e ipv6.opt.mipv6.home_address -e ipv6.routing.type -e ipv6.routing.mipv6.home_address \
			-e mip6.mhtype -e _ws.malformed -e _ws.expert.severity 2>/dev/null >"$all"
} &
TSHARK_PID=$!
kill -STOP "$PING_PID"
LEARN_P=$(now_us)
echo "# learnt, in use: the CN sent $(mip6_json cn status | grep -o '"brr_sent":[0-9]*' | cut -d: -f2) Binding Refresh Requests; the MN: $(mip6_json mn bul | grep -o '"ro_learnt_[a-z_]*":[0-9]*' | tr '\n' ' ')"
check "learnt, idle (the CN's pings paused): the binding expires, the entry goes (ro_learnt_idle >= 1)" wait_for 25 \
	eval "bul_is '\"ro_learnt_now\":0,' && bul_is '\"ro_learnt_idle\":[1-9]'"
LEARN_IDLE=$(now_us)
check "learnt, idle: no route-optimisation XFRM object for the CN" wait_for 5 mn_no_ro_objects
echo "# learnt, idle: the entry went $(((LEARN_IDLE - LEARN_P) / 1000)) ms after the pings paused (or less: polled)"
mip6_stop mn || not_ok "the MN stopped on SIGTERM"
check "learnt: MN stopped: no route-optimisation XFRM object, no trigger left" eval 'mn_no_ro_objects && mn_no_trigger'
# Resumed only now: a reply meeting the trigger before the stop leaves the kernel's larval
# state (ACQ, net.core.xfrm_acq_expires) naming the CN.
kill -CONT "$PING_PID"

# RO_COMPARE=1: the same moves without route optimisation (the MN restarted away with
# DoRouteOptimizationMN disabled, the CN restarted so that it holds no binding): the gap in
# the CN's pings is the home registration's.
declare -a PLAIN_T PLAIN_NAME
if [ "${RO_COMPARE:-0}" = 1 ]; then
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
	for l in foreign2 foreign1; do
		PLAIN_T+=("$(now_us)")
		PLAIN_NAME+=("$MN_LINK->$l")
		move_mn "$l" || not_ok "without RO: move to $l"
		c=$MN_COA_F1
		[ "$l" = foreign2 ] && c=$MN_COA_F2
		check "without RO, $l: registered with $c" wait_for 20 bul_is "\"coa\":\"$c\",\"state\":\"registered\"[^]]*\"last_status\":0"
		check "without RO, $l: the CN's pings come back" wait_for 20 replies_since "$MOVED_US" 25
	done
	PLAIN_T+=("$(now_us)")
	check "without RO: no binding at the CN" cn_bc_empty
	mip6_stop mn
fi
kill "$PING_PID" 2>/dev/null
wait "$TSHARK_PID" || not_ok "pcap_merge and tshark over the captures"
# The µs of field 2, as field 12 (a double keeps µs of an epoch exactly; %.0f: mawk's %d
# and its number-to-string conversion do not print them).
awk -F'\t' -v OFS='\t' '{ split($2, s, "."); $12 = sprintf("%.0f", s[1] * 1000000 + substr(s[2] "000000", 1, 6)); print }' "$all" >"$all.us"
on_ha() { awk -F'\t' -v OFS='\t' '$1 == 0' "$all.us" | awk -F'\t' "$@"; }
on_cn() { awk -F'\t' -v OFS='\t' '$1 == 1' "$all.us" | awk -F'\t' "$@"; }
echo "# tshark (done at $(elapsed "$T_START") s): $(on_ha 'END { print NR }') packets of interest on the HA's link, $(on_cn 'END { print NR }') on the CN's"

# Echo packets of the CN's pings on the HA's link in [from, to) (µs).
ha_echoes() { on_ha -v a="$1" -v b="$2" '$3 ~ /^12[89]/ && $12 >= a && $12 < b { n++ } END { print n + 0 }'; }
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

n=$(ha_echoes "$LEARN_D" "$LEARN_T1")
check "learnt: no echo packet on the HA's link while direct ($n, $(((LEARN_T1 - LEARN_D) / 1000)) ms)" test "$n" = 0
n=$(ha_echoes "$LEARN_T0" "$LEARN_D")
check "learnt, control: echo packets crossed the HA's link before (the trigger's first packets: $n)" test "$n" -gt 0
n=$(on_cn -v a="$LEARN_T0" -v b="$LEARN_T1" -v c="$MN_COA_F1" '$9 == 5 && $4 == c && $6 != "" && $12 >= a && $12 < b' | wc -l)
check "learnt, in use: the MN's BUs to the CN until then ($n: the first and its refreshes)" test "$n" -ge 2

hao=$(on_cn '$3 == 129 && $6 != "" { print $4, $6 }' | sort | uniq -c | awk '{ printf "%s %s (%s); ", $2, $3, $1 }')
check "tshark (CN): Echo Replies in from the CoAs with a HAO holding the HoA: $hao" \
	eval '[[ "$hao" == *"$MN_COA_F1 $MN_HOA"* && "$hao" == *"$MN_COA_F2 $MN_HOA"* ]]'
rh2=$(on_cn '$3 == 128 && $7 == "2" { print $5, $8 }' | sort | uniq -c | awk '{ printf "%s %s (%s); ", $2, $3, $1 }')
check "tshark (CN): Echo Requests out to the CoAs with an RH2 holding the HoA: $rh2" \
	eval '[[ "$rh2" == *"$MN_COA_F1 $MN_HOA"* && "$rh2" == *"$MN_COA_F2 $MN_HOA"* ]]'
types=$(on_cn '$9 != "" { print $9 }' | sort -n | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
# MH, HAO or RH2 packets (both links) that tshark finds malformed or with an expert error.
bad=$(awk -F'\t' '($9 != "" || $6 != "" || $7 ~ /(^|,)2(,|$)/) && ($10 != "" || $11 ~ /(^|,)8388608(,|$)/)' "$all.us" | wc -l)
all_types() { for t in 1 2 3 4 5 6 7; do [[ " $types" == *" $t:"* ]] || return 1; done; }
check "tshark (CN): HoTI, CoTI, HoT, CoT, BU, BA, BE decoded (type:count $types); $bad MH/HAO/RH2 packets malformed or with an expert error (both links)" \
	eval 'all_types && [ "$bad" = 0 ]'
bu_hao=$(on_cn '$9 == 5 && $6 != "" { print $4 }' | sort -u | tr '\n' ' ')
check "tshark (CN): the MN's BUs away come from the CoA with a HAO ($bu_hao)" \
	eval '[[ "$bu_hao" == *"$MN_COA_F1"* && "$bu_hao" == *"$MN_COA_F2"* ]]'
hoti_tnl=$(on_ha -v h="$MN_HOA" '$9 ~ /(^|,)1(,|$)/ && $4 ~ h' | wc -l)
check "tshark (HA): the HoTIs cross the HA's link (the tunnel): $hoti_tnl" test "$hoti_tnl" -gt 0
# The correspondent without Mobile IPv6: its first Parameter Problem on the HA's link (to the
# HoA), the HoTIs to it before, and none more than 1 s after it over every later move.
pp_t=$(on_ha -v r="$RT_CN" '$3 ~ /^4(,|$)/ && $4 ~ r { print $12; exit }')
hotis_rt() { on_ha -v r="$RT_CN" -v a="$1" -v b="$2" '$3 == "" && $9 ~ /(^|,)1(,|$)/ && $5 ~ r && $12 >= a && $12 < b' | wc -l; }
end_t=${MOVE_T[$((${#MOVE_T[@]} - 1))]}
if [ -n "$pp_t" ]; then
	rt_before=$(hotis_rt 0 "$pp_t") rt_after=$(hotis_rt $((pp_t + 1000000)) 99999999999999999)
	check "tshark (HA): the no-MH correspondent's Parameter Problem at $(((pp_t - ${MOVE_T[0]}) / 1000)) ms; HoTIs to it before: $rt_before, after it: $rt_after over $(((end_t - pp_t) / 1000000)) s and every later move" \
		eval '[ "$rt_before" -gt 0 ] && [ "$rt_after" = 0 ]'
else
	not_ok "tshark (HA): no Parameter Problem from the no-MH correspondent $RT_CN"
fi
rt_replies=$(on_ha -v r="$RT_CN" -v h="$MN_HOA" '$3 ~ /(^|,)129(,|$)/ && $4 ~ h && $5 ~ r' | wc -l)
check "tshark (HA): the MN's Echo Replies to the no-MH correspondent cross the HA's link ($rt_replies)" test "$rt_replies" -gt 0

# Figures (not asserted): per event, the largest gap between the CN's ping replies in
# [event, next event) (at most 20 s), split at the HA's BA (the HA's capture, the same clock):
# the last reply before the gap -> the HA's BA is what a gap without RO cannot undercut
# (the CN's pings need the home registration), the HA's BA -> the next reply is what RO adds
# to it (the CN's binding for the new CoA) beside a ping interval and a round trip. At the
# CN: the RR (first HoTI/CoTI to the BA that follows) with the MH types seen (1 HoTI, 2 CoTI,
# 3 HoT, 4 CoT, 5 BU, 6 BA, 7 BE) and ms from the first of them.
topo_log "route optimisation figures (not asserted):"
ping_gaps() { # ping_gaps T0 T1 ...: the largest gap in each [Ti, Ti+1): "ms start_us end_us" per line
	ping_stamps "$TOPO_DIR/ping.log" | awk -v moves="$*" '
		BEGIN { n = split(moves, m, " ") }
		{ t[++k] = $1 }
		END { for (i = 1; i < n; i++) {
			end = (m[i + 1] < m[i] + 20000000) ? m[i + 1] : m[i] + 20000000; gap = -1; g0 = g1 = 0
			for (j = 1; j < k; j++)
				if (t[j + 1] > m[i] && t[j] < end && t[j + 1] - t[j] > gap) { gap = t[j + 1] - t[j]; g0 = t[j]; g1 = t[j + 1] }
			printf "%d %.0f %.0f\n", gap < 0 ? -1 : gap / 1000, g0, g1 } }'
}
gaps=$(ping_gaps "${MOVE_T[@]}")
mapfile -t gap_a <<<"$gaps"
bu_ba=$(grep -o 'BU->BA [0-9.]* ms' "$TOPO_DIR/mn-ro.log" | awk '{ print $2 }' | tr '\n' ' ')
split=""
for i in "${!MOVE_NAME[@]}"; do
	a=${MOVE_T[$i]} b=${MOVE_T[$((i + 1))]}
	read -r g g0 g1 <<<"${gap_a[$i]:-? 0 0}"
	home=""
	if [ "${MOVE_NAME[$i]}" != "CN restart" ]; then
		ba=$(on_ha -v a="$a" -v b="$b" -v s="$HA_ADDR" '$9 ~ /(^|,)6(,|$)/ && $4 == s && $12 >= a && $12 < b { print $12; exit }')
		if [ -n "$ba" ] && [ "$g0" -gt 0 ]; then
			home="; last reply -> the HA's BA $(((ba - g0) / 1000)) ms, the HA's BA -> next reply $(((g1 - ba) / 1000)) ms"
			split+="${MOVE_NAME[$i]} $(((ba - g0) / 1000))+$(((g1 - ba) / 1000)); "
		else
			home="; the HA's BA not found"
		fi
	fi
	rr=$(on_cn -v a="$a" -v b="$b" '$9 == "" || $12 < a || $12 >= b { next }
		{ t = $12; mh = $9 }
		!t0 { t0 = t }
		{ seq = seq sprintf(" %s@%.0f", mh, (t - t0) / 1000) }
		(mh == 1 || mh == 2) && !first { first = t }
		mh == 5 { bu = t }
		mh == 6 && first && !ba { ba = t }
		mh == 6 && bu { buba = t - bu }
		END { if (first && ba) printf "RR+BU->BA %.1f ms", (ba - first) / 1000
		      else if (bu) printf "no RR (tokens still valid), BU->BA %.1f ms", buba / 1000
		      else printf "no MH"
		      printf ";%s", seq }')
	echo "# ${MOVE_NAME[$i]}: gap $g ms in the CN's pings (RO)$home; at the CN: $rr"
done
echo "# gap with RO = last reply -> the HA's BA (a gap without RO is at least this) + the HA's BA -> next reply (ms): $split"
# Learning: the HA's BA to the MN (registered: the next reply meets the trigger) -> the CN's BA.
reg=$(on_ha -v a="$LEARN_T0" -v b="$LEARN_T1" -v s="$HA_ADDR" '$9 ~ /(^|,)6(,|$)/ && $4 == s && $12 >= a && $12 < b { print $12; exit }')
learnt=$(on_cn -v a="${reg:-$LEARN_T0}" -v b="$LEARN_D" '$9 == "" || $12 < a || $12 >= b { next }
	(($9 == 1 || $9 == 2) && !first) { first = $12 }
	$9 == 6 && first { n++; last = $12 }
	END { if (n) printf "first HoTI/CoTI %.1f ms after the home registration, the CN'"'"'s last BA (%d) %.1f ms after it", (first - a) / 1000, n, (last - a) / 1000 }')
echo "# learnt from traffic (pings every 20 ms): ${learnt:-no BA seen}"
if [ "${#PLAIN_T[@]}" -gt 1 ]; then
	plain=$(ping_gaps "${PLAIN_T[@]}" | awk '{ printf "%s ", $1 }')
	echo "# without RO (home registration only), gap in the CN's pings: ${PLAIN_NAME[*]}: $plain ms"
fi
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
