#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 420
#
# demo: the README's main job. A home agent, a mobile node and a correspondent node on
# Debian's stock kernel, with radvd on every link and a charon (strongSwan) beside each of
# HA and MN. The MN moves home -> foreign1 -> foreign2 -> home while the CN pings its home
# address; mip6d protects the signalling with the IKEv2/ESP SAs charon negotiated and moves
# the IKE SA with the care-of address (XFRM MIGRATE + KMADDRESS). Prints a timeline of each
# handover from events, all on CLOCK_REALTIME (tests/vm/lib/timeline.py): the MN's record
# (netlink link change, RA, movement decided, kernel done, BU, BA, the MN's charon moving
# the IKE SA), the HA's `mip6ctl monitor` (its charon moving the IKE SA) and a capture on
# the MN (the first ping through the new path); then a final state table. Fails if any
# handover does not complete or a step of its timeline was not seen.
# Knobs (tests/bench/handover.sh): DEMO_ROUNDS (1: home -> f1 -> f2 -> home once),
# DEMO_RETRANS_MS (the home link's RetransTimer, 100).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"

fails=0
say() { printf '%s\n' "$*"; }
ROUNDS=${DEMO_ROUNDS:-1}
RETRANS_MS=${DEMO_RETRANS_MS:-100}

say "== topology: home link $HOME_PREFIX (HA $HA_ADDR), foreign1 $F1_PREFIX, foreign2 $F2_PREFIX, CN $CN_ADDR"
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=$RETRANS_MS"
charon_start "$NS_HA" ha "$TOP/swanctl/ha" || exit 1
charon_start "$NS_MN" mn "$TOP/swanctl/mn" || exit 1
say "== charon (strongSwan) running beside HA and MN, shipped swanctl configuration loaded"

ipsec_set="IPsecPolicySet {
	HomeAgentAddress $HA_ADDR;
	HomeAddress $MN_HOA/64;
	IPsecPolicy HomeRegBinding UseESP 1000000001;
}"
mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
ViciSocket \"/run/charon-ha.vici\";
$ipsec_set" || exit 1
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
ViciSocket \"/run/charon-mn.vici\";
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}
$ipsec_set" || exit 1
ipsec_up() { mip6_json mn ipsec | grep -qE '"reqids":\[([0-9]+,)*1000000001[],]'; }
wait_for 30 ipsec_up || { say "!! the MN-HA IPsec SAs did not come up"; exit 1; }
say "== mip6d running as HA and MN; the MN is at home ($MN_HOA) and its IKE SA is up"

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.05 -W 1 "$MN_HOA"
wait_for 10 grep -q 'bytes from' "$TOPO_DIR/ping.log" || { say "!! the CN cannot reach the HoA"; exit 1; }
say "== the CN pings $MN_HOA every 50 ms"

# The HA's events (ike-moved: its charon moved the IKE SA) and every packet on the MN's link,
# both stamped on CLOCK_REALTIME like the MN's record.
topo_bg "$NS_HA" mon-ha "$MIP6CTL" -s /run/mip6-ha.ctl --json monitor
topo_bg "$NS_MN" cap-mn tcpdump --immediate-mode -i "$MN_IF" -U -l -n -tt ip6
wait_for 5 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json counters | grep -q '\"monitor\":{\"subscribers\":1'" ||
	{ say "!! mip6ctl monitor did not subscribe on the HA"; exit 1; }
wait_for 5 grep -q 'listening on' "$TOPO_DIR/cap-mn.log" || { say "!! tcpdump did not start on the MN"; exit 1; }
RA_INT="RAs every ${TOPO_RA_MIN}-${TOPO_RA_MAX} s"
RETRANS="home link RetransTimer $(ip netns exec "$NS_HA" sysctl -n "net.ipv6.neigh.$HA_IF.retrans_time_ms") ms"
say "== settings: $RA_INT, $RETRANS (the HA's DAD for the HoA, RFC 6275 §10.4.1)"

# After the move the pings stop, then come back through the new path: the reply that ends the
# longest silence in the 10 s after the move, and that silence, as "END_US GAP_MS".
outage_after() {
	awk -v t="$1" '/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); us = a[1] * 1000000 + substr(a[2] "000000", 1, 6)
		if (us > t && us < t + 10000000 && prev && us - prev > best) { best = us - prev; end = us }
		prev = us }
		END { if (best) printf "%.0f %d\n", end, best / 1000 }' "$TOPO_DIR/ping.log"
}
# The polls below are bash, grep and awk (a python3 start costs about a second under TCG).
# The MN's latest record was decided after T_US and has its BA and its charon's report.
record_done() {
	local last
	last=$(mip6_json mn bul) || return 1
	last=${last##*\"realtime_us\":\{}
	last=${last%%\}*}
	[[ $last =~ \"decided\":([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt "$1" ] &&
		[[ $last == *'"ba_rcvd":'* && $last == *'"ike_moved":'* ]]
}
# The HA's monitor told of its charon moving an IKE SA after T_US.
ha_ike_after() {
	sed -n 's/.*"event":"ike-moved".*"realtime_us":\([0-9]*\).*/\1/p' "$TOPO_DIR/mon-ha.log" 2>/dev/null |
		awk -v t="$1" '$1 > t { f = 1 } END { exit !f }'
}
# The capture on the MN holds, after T_US, an echo request from the CN to the HoA through the
# new path: tunnelled from the HA to COA, or at home (TO=home) straight to the HoA.
packet_after() { # T_US COA TO
	awk -v t="$1" -v coa="$2:" -v to="$3" -v cn="$CN_ADDR" -v hoa="$MN_HOA:" '/echo request/ {
		split($1, a, "."); us = a[1] * 1000000 + substr(a[2] "000000", 1, 6)
		if (us > t && (to == "home" ? $3 == cn && $5 == hoa : $5 == coa && $7 == cn && $9 == hoa)) { f = 1; exit } }
		END { exit !f }' "$TOPO_DIR/cap-mn.log"
}

declare -a ROWS
handover() { # handover LINK COA
	local link=$1 coa=$2 from=$MN_LINK t0 gap to=foreign
	t0=$(now_us)
	move_mn "$link" || return 1
	if [ "$link" = home ]; then
		wait_for 20 bul_is '"location":"home","entries":\[{[^]]*"state":"none"' || { say "!! no deregistration"; fails=$((fails + 1)); }
		coa=$MN_HOA to=home
	else
		wait_for 20 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"" || { say "!! no registration from $coa"; fails=$((fails + 1)); }
	fi
	wait_for 10 record_done "$t0" || say "!! the MN's record of the move is incomplete"
	wait_for 10 ha_ike_after "$t0" || say "!! the HA reported no IKE SA move"
	# Traffic resumed: a reply stamped after the move returned (t0, before it, times the gap).
	wait_for 20 replies_after "$MOVED_US" || { say "!! no ping reply after the move"; fails=$((fails + 1)); }
	wait_for 5 packet_after "$t0" "$coa" "$to" || true
	mip6_json mn bul >"$TOPO_DIR/bul.json"
	read -r _ gap <<<"$(outage_after "$t0")"
	say ""
	say "-- handover $from -> $link (care-of address $coa; $RA_INT, $RETRANS)"
	"$PY" "$TOP/tests/vm/lib/timeline.py" "$TOPO_DIR/bul.json" "$TOPO_DIR/mon-ha.log" "$TOPO_DIR/cap-mn.log" \
		"$t0" "$to" "$coa" "$MN_HOA" "$CN_ADDR" >"$TOPO_DIR/tl.out" || fails=$((fails + 1))
	grep -v '^TIMELINE' "$TOPO_DIR/tl.out"
	say "   ping gap at the CN: ${gap:-?} ms (its -D stamps)"
	ROWS+=("$(grep '^TIMELINE' "$TOPO_DIR/tl.out") from_link=$from to_link=$link ping_gap=${gap:--}")
}

for _ in $(seq "$ROUNDS"); do
	handover foreign1 "$MN_COA_F1"
	handover foreign2 "$MN_COA_F2"
	handover home ""
done

say ""
say "== summary (ms after the link change; $RA_INT, $RETRANS)"
for r in "${ROWS[@]}"; do say "   $r"; done
say ""
say "== final state"
say "-- HA binding cache (mip6ctl bc):"
mip6ctl_of ha bc | sed 's/^/   /'
say "-- MN binding update list (mip6ctl bul):"
mip6ctl_of mn bul | sed 's/^/   /'
say "-- IKE SAs (swanctl --list-sas on the HA):"
charon_swanctl ha --list-sas 2>/dev/null | sed 's/^/   /' | head -12
say "-- message counters on the HA (mip6ctl counters):"
mip6ctl_of ha counters | sed 's/^/   /' | head -10
mip6_stop mn
mip6_stop ha
if [ "$fails" = 0 ]; then say "== demo complete: every handover registered, the IKE SA followed, traffic flowed"; fi
[ "$fails" = 0 ]
