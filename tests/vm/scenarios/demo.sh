#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 420
#
# demo: the README's main job. A home agent, a mobile node and a correspondent node on
# Debian's stock kernel, with radvd on every link and a charon (strongSwan) beside each of
# HA and MN. The MN moves home -> foreign1 -> foreign2 -> home while the CN pings its home
# address; mip6d protects the signalling with the IKEv2/ESP SAs charon negotiated and moves
# the IKE SA with the care-of address (XFRM MIGRATE + KMADDRESS). Prints a timeline of each
# handover (movement detected, BU sent, BA received, IKE SA moved, first packet through) and
# a final state table. Fails if any handover does not complete.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"

fails=0
say() { printf '%s\n' "$*"; }
ms() { echo $((($2 - $1) / 1000)); }

say "== topology: home link $HOME_PREFIX (HA $HA_ADDR), foreign1 $F1_PREFIX, foreign2 $F2_PREFIX, CN $CN_ADDR"
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
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

# After the move the pings stop, then come back through the new path: the reply that ends the
# longest silence in the 10 s after the move, and that silence, as "END_US GAP_MS".
outage_after() {
	awk -v t="$1" '/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); us = a[1] * 1000000 + substr(a[2] "000000", 1, 6)
		if (us > t && us < t + 10000000 && prev && us - prev > best) { best = us - prev; end = us }
		prev = us }
		END { if (best) printf "%.0f %d\n", end, best / 1000 }' "$TOPO_DIR/ping.log"
}
ike_at() {
	charon_swanctl mn --list-sas --raw 2>/dev/null | grep -q "local-host=$1 " &&
		charon_swanctl ha --list-sas --raw 2>/dev/null | grep -q "remote-host=$1 "
}
bul_is() { mip6_json mn bul | grep -q "$1"; }

declare -a ROWS
handover() { # handover LINK COA
	local link=$1 coa=$2 from=$MN_LINK t0 t_ike t_pkt gap hv det bu ba
	t0=$(now_us)
	move_mn "$link" || return 1
	if [ "$link" = home ]; then
		wait_for 20 bul_is '"location":"home","entries":\[{[^]]*"state":"none"' || { say "!! no deregistration"; fails=$((fails + 1)); }
		coa=$MN_HOA
	else
		wait_for 20 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"" || { say "!! no registration from $coa"; fails=$((fails + 1)); }
	fi
	if wait_for 20 ike_at "$coa"; then t_ike=$(now_us); else t_ike=; fails=$((fails + 1)); fi
	# Traffic resumed: a reply stamped after the move returned (t0, before it, times the gap).
	wait_for 20 replies_after "$MOVED_US" || { say "!! no ping reply after the move"; fails=$((fails + 1)); }
	read -r t_pkt gap <<<"$(outage_after "$t0")"
	# The MN's own record of the handover: detected, BU and BA relative to detection.
	hv=$(mip6_json mn bul | grep -o '"handovers":\[.*' | grep -o '{[^}]*}' | tail -1)
	det=$(sed -n 's/.*"detected_ms":\([0-9.]*\).*/\1/p' <<<"$hv")
	bu=$(sed -n 's/.*"bu_after_ms":\([0-9.-]*\).*/\1/p' <<<"$hv")
	ba=$(sed -n 's/.*"ba_after_ms":\([0-9.-]*\).*/\1/p' <<<"$hv")
	say ""
	say "-- handover $from -> $link (care-of address $coa)"
	say "   +0 ms        link moved (carrier down, re-attached, up)"
	# detected_ms is on the MN's clock (CLOCK_BOOTTIME): show the others relative to it.
	say "   movement detected, then BU sent +${bu%.*} ms and BA received +${ba%.*} ms after detection"
	[ -n "$t_ike" ] && say "   +$(ms "$t0" "$t_ike") ms    both charons show the IKE SA on $coa (polled)"
	[ -n "$t_pkt" ] && say "   +$(ms "$t0" "$t_pkt") ms    first ping reply through the new path (CN -> HA -> tunnel -> MN), after a ${gap} ms gap"
	ROWS+=("$(printf '%-9s -> %-9s %-26s BU->BA %6s ms   ping gap %5s ms' "$from" "$link" "$coa" "$(awk -v a="$ba" -v b="$bu" 'BEGIN { printf "%.1f", a - b }')" "${gap:-?}")")
	: "$det"
}

handover foreign1 "$MN_COA_F1"
handover foreign2 "$MN_COA_F2"
handover home ""

say ""
say "== summary"
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
