#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 700
#
# home-agents: two home agents on the home link and a mobile node that knows neither
# (RFC 6275 §10.5, §11.4.1). HA1 is the topology's ($HA_ADDR, radvd HomeAgentPreference 10),
# HA2 a second node on the home link ($HA2_ADDR, preference 20). Each learns the other from
# its RAs (mip6ctl hal). The MN says `HomeAgentAddress ::`: away from home it sends a DHAAD
# Request from its CoA to the Home-Agents anycast address, takes the first address of the
# Reply (HA2, the preferred) and registers there; the CN's pings come back through HA2.
# Then HA2 fails (its link goes down: no BA, no RA, no proxy NA from it any more). The MN's
# next refresh (MnMaxHaBindingLife 4: every 3 s) is not answered; after
# MnMaxHaConsecutiveResends (1) retransmission it registers with the next home agent of the
# list, HA1, and the CN's pings resume (only replies stamped after the failure count).
# Prints the outage (the longest silence in the CN's replies around the failure) against the
# 5 s target. Then the home prefix's lifetime changes on HA1 (ip addr change ... valid_lft 900):
# HA1 sends an unsolicited Mobile Prefix Advertisement (RFC 6275 §10.6.2; MinMobPfxAdvInterval
# and MaxMobPfxAdvInterval 1 s), the MN discards it and solicits (§11.4.3), applies the solicited
# one, and `mip6ctl prefixes` on the MN shows the new lifetime. A prefix added to HA1's home link
# (an address in 2001:db8:7::/64) is served, gets its MPS entry and reaches the MN by MPA; removed,
# it goes (§10.6.2). tshark decodes the DHAAD Request
# and Reply and the Mobile Prefix Solicitation (from the CoA, Home Address option) and
# Advertisement (to the CoA, type 2 routing header) on the MN's link cleanly.
# Then the same failover with MN-HA IPsec (RFC 4877): HA2's link back, all three nodes run
# charon (the MN the shipped swanctl/mn-several-has: one connection per home agent; HA1 the
# shipped swanctl/ha, HA2 the same for its address and reqid 1000000011) and mip6d with
# UseMnHaIPsec and one IPsecPolicySet per home agent on the MN. The MN moves to foreign2,
# discovers HA2, brings an IKE SA up with it and registers, the BU and BA in HA2's ESP SA
# (reqid 1000000011: its packet counters); HA2's link goes down; the MN moves its SPD entries
# to HA1's (none names HA2 any more), negotiates an IKE SA with HA1 from the CoA and registers
# there, BU and BA in HA1's ESP SA (reqid 1000000001); the CN's pings resume (only replies
# stamped after the failure count) and the outage is printed.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"

NS_HA2=ha2-$$
HA2_ADDR=2001:db8:1::3

topo_setup || exit 1
# HA2: one more node on the home link, like HA1 (forwarding, static address, no DAD).
ip netns add "$NS_HA2"
topo_at_exit "ip netns del $NS_HA2"
topo_sysctl "$NS_HA2" net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
	net.ipv6.conf.default.accept_dad=0
ip link add "$HA_IF" netns "$NS_HA2" type veth peer name p-ha2 netns "$NS_SW"
ip -n "$NS_SW" link set p-ha2 master br-home up
ip -n "$NS_HA2" -batch - <<EOF
link set lo up
addr add $HA2_ADDR/$PLEN dev $HA_IF nodad
link set $HA_IF up
route add default via $RT_HOME dev $HA_IF
EOF
# RFC 6275 §7.2: with R set a prefix option carries the router's complete address; radvd sends
# the prefix as written, so each HA's radvd names its own address (topo.sh's writes the prefix
# only, which HA1 replaces here). That address is what the HAs list and the Reply carries.
radvd_pid=$(cat "$TOPO_DIR/radvd-home.pid")
kill "$radvd_pid"
wait_for 5 sh -c "! kill -0 $radvd_pid 2>/dev/null"
_topo_radvd_iface "$HA_IF" "$HA_ADDR/$PLEN" ha | _topo_start_radvd "$NS_HA" radvd-home1
_topo_radvd_iface "$HA_IF" "$HA2_ADDR/$PLEN" ha | sed 's/HomeAgentPreference 10;/HomeAgentPreference 20;/' |
	_topo_start_radvd "$NS_HA2" radvd-home2
# The HAs' DAD for a new HoA waits RetransTimer of the home link (RFC 4862 §5.4): 100 ms here.
for ns in "$NS_HA" "$NS_HA2"; do topo_sysctl "$ns" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"; done

topo_bg "$NS_MN" cap-mn tcpdump --immediate-mode -i "$MN_IF" -U -n -w "$TOPO_DIR/mn.pcap" ip6

ha_conf="NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindingLife 600;
MinMobPfxAdvInterval 1;
MaxMobPfxAdvInterval 1;"
mip6_start "$NS_HA" ha "$ha_conf" || exit 1
mip6_start "$NS_HA2" ha2 "$ha_conf" || exit 1
# hal_lists NAME ADDR PREF: NAME's Home Agents List has ADDR with preference PREF.
hal_lists() { mip6_json "$1" hal | grep -q "\"preference\":$3,[^}]*\"$2\""; }
check "HA1's list: HA2 with preference 20 (from HA2's RAs)" wait_for 10 hal_lists ha "$HA2_ADDR" 20
check "HA2's list: HA1 with preference 10 (from HA1's RAs)" wait_for 10 hal_lists ha2 "$HA_ADDR" 10

# The refresh every 3 s (lifetime 4 s) and one retransmission after 0.4 s bound the failover.
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 4;
InitialBindackTimeoutReReg 0.4;
MnMaxHaConsecutiveResends 1;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress ::;
}" || exit 1
wait_for 10 bul_is '"location":"home"' || { not_ok "MN at home"; sed 's/^/#   /' "$TOPO_DIR/mn.log"; exit 1; }
check "MN at home: home agent unknown" sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl status | grep -q 'home agent unknown'"

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.02 -W 1 "$MN_HOA"
wait_for 10 grep -q 'bytes from' "$TOPO_DIR/ping.log" || not_ok "the CN's pings are answered at home"

bc_has() { mip6_json "$1" bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$2\",[^}]*\"state\":\"valid\""; }
move_mn foreign1 || not_ok "move to foreign1"
check "foreign1: discovered and registered with the preferred home agent HA2" \
	wait_for 20 bul_is "\"ha\":\"$HA2_ADDR\",\"coa\":\"$MN_COA_F1\",\"state\":\"registered\""
check "mip6ctl hal on the MN: HA2 (current) then HA1, from DHAAD" sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl --json hal |
	grep -q '\"home_agents\":\[{\"address\":\"$HA2_ADDR\",\"source\":\"dhaad\",\"current\":true},{\"address\":\"$HA_ADDR\",\"source\":\"dhaad\",\"current\":false}\]'"
check "mip6ctl status on the MN names HA2" sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl status | grep -q 'home agent $HA2_ADDR'"
check "HA2's binding cache has the CoA" wait_for 5 bc_has ha2 "$MN_COA_F1"
check "HA1 holds no binding" sh -c "! '$MIP6CTL' -s /run/mip6-ha.ctl --json bc | grep -q '$MN_HOA'"
check "foreign1: the CN's pings come back through HA2" wait_for 15 replies_after "$MOVED_US"
for c in hal status bul; do check "MN: mip6ctl --json $c is JSON" json_ok mn "$c"; done

# HA2 fails: its link goes down.
ip -n "$NS_HA2" link set "$HA_IF" down
T_STOP=$(now_us)
topo_log "HA2's link is down"
check "the MN registers with HA1 (the next of the list)" \
	wait_for 20 bul_is "\"ha\":\"$HA_ADDR\",\"coa\":\"$MN_COA_F1\",\"state\":\"registered\""
check "HA1's binding cache has the CoA" wait_for 5 bc_has ha "$MN_COA_F1"
# Replies in flight through HA2 when its link went down arrive within milliseconds: 0.3 s later
# only the path through HA1 can answer.
check "the CN's pings resume through HA1" wait_for 15 replies_after $((T_STOP + 300000))
topo_msleep 500

# The outage: the longest silence between consecutive replies that spans the failure.
outage=$(ping_stamps "$TOPO_DIR/ping.log" | awk -v t="$T_STOP" '
	NR > 1 && $1 > t && prev < t + 20000000 && $1 - prev > gap { gap = $1 - prev; back = $1 - t }
	{ prev = $1 }
	END { printf "%d %d\n", gap / 1000, back / 1000 }')
read -r gap_ms back_ms <<<"$outage"
echo "# failover: longest reply gap ${gap_ms} ms; traffic back ${back_ms} ms after HA2's link went down (target <= 5000 ms)"
check "the outage is measured and below a generous 10 s" test "${back_ms:-0}" -gt 0 -a "${back_ms:-99999}" -lt 10000

# RFC 6275 §10.6.2: the home prefix's lifetime on HA1 changes; the MN learns it by MPS/MPA.
ip -n "$NS_HA" addr change "$HA_ADDR/$PLEN" dev "$HA_IF" valid_lft 900 preferred_lft 600
mn_prefix_life() { mip6_json mn prefixes | grep -Eq '"prefix":"2001:db8:1::/64","known":true,"valid_lifetime":(8[89][0-9]|900),"preferred_lifetime":(5[89][0-9]|600)'; }
check "MPA after the prefix change: mip6ctl prefixes on the MN shows valid 900 s, preferred 600 s" \
	wait_for 15 mn_prefix_life
check "HA1 sent an unsolicited MPA and answered the MN's MPS" sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json prefixes |
	grep -Eq '\"advertisements_solicited\":[1-9].*\"advertisements_unsolicited\":[1-9]'"
check "HA1: mip6ctl prefixes shows the new valid lifetime" sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json prefixes |
	grep -Eq '\"valid_lifetime\":(8[89][0-9]|900)'"
json_ok mn prefixes || not_ok "MN: mip6ctl --json prefixes is JSON"

# RFC 6275 §10.6.2: a prefix added on HA1's home link while it runs (renumbering) is served at
# once, with its inbound MPS entry (§11.4.2), and reaches the MN by MPA (the whole list); its
# address removed, it is no longer served and its entry goes; the MN's binding stays.
NEW_HA=2001:db8:7::1
ip -n "$NS_HA" addr add "$NEW_HA/64" dev "$HA_IF" nodad
ha1_serves_new() { "$MIP6CTL" -s /run/mip6-ha.ctl prefixes | grep -q "^2001:db8:7::/64 on $HA_IF, home agent address $NEW_HA,"; }
mps_entry_new() { ip -n "$NS_HA" xfrm policy | grep -q "src 2001:db8:7::/64 dst $NEW_HA/128"; }
mn_knows_new() { mip6_json mn prefixes | grep -q '"prefix":"2001:db8:7::/64","known":true'; }
check "HA1 serves a prefix added to its home link after start" wait_for 5 ha1_serves_new
check "HA1 installed the new prefix's inbound MPS entry" wait_for 5 mps_entry_new
check "the MN learnt the new prefix by MPA (mip6ctl prefixes on the MN)" wait_for 15 mn_knows_new
ip -n "$NS_HA" addr del "$NEW_HA/64" dev "$HA_IF"
check "HA1 no longer serves it once its address is removed" wait_for 5 sh -c "! '$MIP6CTL' -s /run/mip6-ha.ctl prefixes | grep -q 2001:db8:7::"
check "... and its MPS entry is gone" wait_for 5 sh -c "! ip -n '$NS_HA' xfrm policy | grep -q 'src 2001:db8:7::/64'"
check "the MN's binding with HA1 stayed" bc_has ha "$MN_COA_F1"

# tshark decodes the DHAAD messages (RFC 6275 §6.5, §6.6) on the MN's link cleanly.
pkill -INT tcpdump 2>/dev/null
wait_for 5 sh -c "! pgrep -x tcpdump >/dev/null"
f=$TOPO_DIR/mn.pcap
# Every question to the capture in one tshark run (tshark_counts: its start costs 15-50 s under TCG).
# The DHAAD Request and Reply (RFC 6275 §6.5, §6.6); then the Mobile Prefix Solicitation and
# Advertisement (§6.7, §6.8) as RFC 6275 §11.4.2 and §10.6.3 require (both MUST): the MPS from
# the CoA with a Home Address option carrying the HoA, the MPA to the CoA with a type 2 routing
# header carrying the HoA; neither inside the tunnel; and the Reply listing both home agents.
{ read -r n_req; read -r n_rep; read -r bad; read -r n_mps; read -r n_mpa; read -r n_tun; read -r bad_mp; read -r n; } < <(
	tshark_counts "$f" \
		"icmpv6.type == 144 && ipv6.src == $MN_COA_F1 && !_ws.malformed" \
		"icmpv6.type == 145 && ipv6.dst == $MN_COA_F1 && !_ws.malformed" \
		"(icmpv6.type == 144 || icmpv6.type == 145 || mipv6) && (_ws.malformed || _ws.expert.severity == \"Error\")" \
		"icmpv6.type == 146 && ipv6.src == $MN_COA_F1 && ipv6.dst == $HA_ADDR && ipv6.opt.mipv6.home_address == $MN_HOA && !_ws.malformed" \
		"icmpv6.type == 147 && ipv6.src == $HA_ADDR && ipv6.dst == $MN_COA_F1 && ipv6.routing.type == 2 && ipv6.routing.mipv6.home_address == $MN_HOA && icmpv6.opt.prefix == 2001:db8:1:: && !_ws.malformed" \
		"(icmpv6.type == 146 || icmpv6.type == 147) && ipv6.nxt == 41" \
		"(icmpv6.type == 146 || icmpv6.type == 147) && (_ws.malformed || _ws.expert.severity == \"Error\")" \
		"icmpv6.type == 145 && icmpv6.mip6.home_agent_address == $HA2_ADDR && icmpv6.mip6.home_agent_address == $HA_ADDR")
check "tshark: DHAAD Request from the CoA ($n_req) and Reply to it ($n_rep), $bad malformed/expert errors" \
	test "$n_req" -ge 1 -a "$n_rep" -ge 1 -a "$bad" = 0
check "tshark: MPS from the CoA with a HAO ($n_mps), MPA to the CoA with an RH2 and the home prefix ($n_mpa), $n_tun tunnelled, $bad_mp malformed/expert errors" \
	test "$n_mps" -ge 1 -a "$n_mpa" -ge 1 -a "$n_tun" = 0 -a "$bad_mp" = 0
check "tshark: the Reply lists both home agents ($n)" test "$n" -ge 1

# --- the same failover with MN-HA IPsec (RFC 4877) ---------------------------------------
move_mn home || not_ok "IPsec phase: move home"
check "IPsec phase: the MN is home (deregistered with HA1)" wait_for 20 bul_is '"location":"home"'
mip6_stop mn
mip6_stop ha
mip6_stop ha2
# HA2 back on the home link (a link down removed its address and route), its radvd started anew.
ip -n "$NS_HA2" link set "$HA_IF" up
ip -n "$NS_HA2" addr replace "$HA2_ADDR/$PLEN" dev "$HA_IF" nodad
ip -n "$NS_HA2" route replace default via "$RT_HOME" dev "$HA_IF"
radvd_pid=$(cat "$TOPO_DIR/radvd-home2.pid")
kill "$radvd_pid"
wait_for 5 sh -c "! kill -0 $radvd_pid 2>/dev/null"
cp "$TOPO_DIR/radvd-home2.conf" "$TOPO_DIR/radvd-home2b.in"
_topo_start_radvd "$NS_HA2" radvd-home2b <"$TOPO_DIR/radvd-home2b.in"

# swanctl: HA1 the shipped HA file; HA2 the same for its address, identity and reqid; the MN
# the shipped several-home-agents file.
mkdir -p "$TOPO_DIR/sw-ha2"
sed -e "s/2001:db8:1::1\\b/$HA2_ADDR/g" -e 's/ha\.example\.org/ha2.example.org/' \
	-e 's/reqid = 100000000\([0-9]\)/reqid = 100000001\1/' "$TOP/swanctl/ha/swanctl.conf" >"$TOPO_DIR/sw-ha2/swanctl.conf"
charon_start "$NS_HA" ha "$TOP/swanctl/ha" || not_ok "IPsec phase: charon on HA1"
charon_start "$NS_HA2" ha2 "$TOPO_DIR/sw-ha2" || not_ok "IPsec phase: charon on HA2"
charon_start "$NS_MN" mn "$TOP/swanctl/mn-several-has" || not_ok "IPsec phase: charon on the MN"
ipsec_set() { # ipsec_set HA REQID CONNECTION
	echo "IPsecPolicySet {
	HomeAgentAddress $1;
	HomeAddress $MN_HOA/64;
	IkeConnection \"$3\";
	IPsecPolicy HomeRegBinding UseESP $2;
}"
}
ha_ipsec_conf() { # ha_ipsec_conf CHARON HA REQID
	echo "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
ViciSocket \"/run/charon-$1.vici\";
HaMaxBindingLife 600;
$(ipsec_set "$2" "$3" mip6-mn1)"
}
mip6_start "$NS_HA" ha "$(ha_ipsec_conf ha "$HA_ADDR" 1000000001)" || exit 1
mip6_start "$NS_HA2" ha2 "$(ha_ipsec_conf ha2 "$HA2_ADDR" 1000000011)" || exit 1
check "IPsec phase: HA1's list has HA2 again" wait_for 10 hal_lists ha "$HA2_ADDR" 20
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
ViciSocket \"/run/charon-mn.vici\";
MnMaxHaBindingLife 4;
InitialBindackTimeoutReReg 0.4;
MnMaxHaConsecutiveResends 1;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress ::;
}
$(ipsec_set "$HA_ADDR" 1000000001 mip6-ha1)
$(ipsec_set "$HA2_ADDR" 1000000011 mip6-ha2)" || exit 1
wait_for 10 bul_is '"location":"home"' || not_ok "IPsec phase: the MN at home"
check "IPsec phase: at home no home agent is chosen, no SPD entry names one" \
	sh -c "! ip -n '$NS_MN' xfrm policy | grep -Eq '$HA_ADDR/128|$HA2_ADDR/128'"

# Packets through NS's SA from $2 to $3 with reqid $4 (ip -s: "N(bytes), M(packets)").
sa_packets() {
	ip -n "$1" -s xfrm state | awk -v s="$2" -v d="$3" -v r="reqid $4" '
		$1 == "src" { f = ($2 == s && $4 == d); g = 0; next }
		f && index($0, r) { g = 1 }
		g && /lifetime current:/ { getline; gsub(/[^0-9]/, "", $2); print $2; exit }'
}
move_mn foreign2 || not_ok "IPsec phase: move to foreign2"
check "IPsec phase: foreign2: discovered and registered with HA2" \
	wait_for 30 bul_is "\"ha\":\"$HA2_ADDR\",\"coa\":\"$MN_COA_F2\",\"state\":\"registered\""
bu2=$(sa_packets "$NS_HA2" "$MN_HOA" "$HA2_ADDR" 1000000011)
ba2=$(sa_packets "$NS_HA2" "$HA2_ADDR" "$MN_HOA" 1000000011)
check "IPsec phase: the BU and BA went through HA2's ESP SA, reqid 1000000011 (in ${bu2:-none}, out ${ba2:-none} packets)" \
	test "${bu2:-0}" -gt 0 -a "${ba2:-0}" -gt 0
check "IPsec phase: HA2's binding cache has the CoA" wait_for 5 bc_has ha2 "$MN_COA_F2"
check "IPsec phase: the CN's pings come back through HA2" wait_for 20 replies_after "$MOVED_US"

ip -n "$NS_HA2" link set "$HA_IF" down
T_STOP=$(now_us)
topo_log "IPsec phase: HA2's link is down"
check "IPsec phase: the MN registers with HA1 (the next of the list)" \
	wait_for 30 bul_is "\"ha\":\"$HA_ADDR\",\"coa\":\"$MN_COA_F2\",\"state\":\"registered\""
T_REG=$(now_us)
bu1=$(sa_packets "$NS_HA" "$MN_HOA" "$HA_ADDR" 1000000001)
ba1=$(sa_packets "$NS_HA" "$HA_ADDR" "$MN_HOA" 1000000001)
check "IPsec phase: the BU and BA went through HA1's ESP SA, reqid 1000000001 (in ${bu1:-none}, out ${ba1:-none} packets)" \
	test "${bu1:-0}" -gt 0 -a "${ba1:-0}" -gt 0
ike_with() { charon_swanctl "$1" --list-sas --raw 2>/dev/null | grep -q "remote-host=$2 "; }
check "IPsec phase: HA1's charon lists an IKE SA with the CoA $MN_COA_F2" wait_for 10 ike_with ha "$MN_COA_F2"
mn_ike_ha1_only() { # the MN's charon lists an IKE SA with HA1 and none with HA2
	local out
	out=$(charon_swanctl mn --list-sas --raw 2>/dev/null)
	grep -q "remote-host=$HA_ADDR " <<<"$out" && ! grep -q "remote-host=$HA2_ADDR " <<<"$out"
}
check "IPsec phase: the MN's charon has the IKE SA with HA1, none with HA2 any more (terminated)" wait_for 10 mn_ike_ha1_only
# The IKE exchange's share of the outage, from the MN's charon log (HH:MM:SS.mmm stamps).
ike_ms=$(awk '/initiating IKE_SA mip6-ha1/ && !t0 { t0 = $1 } /IKE_SA mip6-ha1\[[0-9]+\] established/ && t0 && !t1 { t1 = $1 }
	function ms(t, a) { split(t, a, /[:.]/); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }
	END { if (t0 && t1) print ms(t1) - ms(t0) }' "$(charon_log mn)")
echo "# failover with MN-HA IPsec: the MN's IKE SA with HA1 took ${ike_ms:-?} ms (IKE_SA_INIT sent to established, charon's log)"
check "IPsec phase: the MN's SPD entries name HA1, none names HA2" \
	sh -c "ip -n '$NS_MN' xfrm policy | grep -q '$HA_ADDR/128' && ! ip -n '$NS_MN' xfrm policy | grep -q '$HA2_ADDR/128'"
check "IPsec phase: HA1's binding cache has the CoA" wait_for 5 bc_has ha "$MN_COA_F2"
check "IPsec phase: the CN's pings resume through HA1" wait_for 20 replies_after $((T_STOP + 300000))
topo_msleep 500
outage=$(ping_stamps "$TOPO_DIR/ping.log" | awk -v t="$T_STOP" '
	NR > 1 && $1 > t && prev < t + 30000000 && $1 - prev > gap { gap = $1 - prev; back = $1 - t }
	{ prev = $1 }
	END { printf "%d %d\n", gap / 1000, back / 1000 }')
read -r gap_ms back_ms <<<"$outage"
echo "# failover with MN-HA IPsec: registered with HA1 $(((T_REG - T_STOP) / 1000)) ms (polled) after HA2's link went down; longest reply gap ${gap_ms} ms; traffic back ${back_ms} ms (target <= 5000 ms)"
check "IPsec phase: the outage is measured and below a generous 15 s" test "${back_ms:-0}" -gt 0 -a "${back_ms:-99999}" -lt 15000

if [ "$fails" -gt 0 ]; then
	charon_dump_tails ha ha2 mn
	for l in mn ha ha2; do
		echo "# $l log (tail):"
		tail -40 "$TOPO_DIR/$l.log" | sed 's/^/#   /'
	done
fi
mip6_stop mn
mip6_stop ha
mip6_stop ha2
[ "$fails" = 0 ]
