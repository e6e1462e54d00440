#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 400
#
# nemo: NEMO basic support (RFC 3963) on the real kernel data plane. mip6d runs as HA
# (HaAcceptMobRtr, a Prefix Table from BindingAclPolicy) and as a mobile router
# (IsMobRtr, explicit mode) whose mobile network 2001:db8:10:1::/64 (MNP 2001:db8:10::/48)
# holds one host, 2001:db8:10:1::2, in a namespace of its own behind the router's mnet0.
# The CN pings that host every 20 ms while the router moves home -> f1 -> f2 -> home -> f1.
# After every move: BA 0 with R, one route per MNP into the HA's tunnel towards the CoA while
# away (none at home), and the replies come back; away they went through the HA's tunnel
# (its ip6tnl counters grow), at home they did not. Per-move gap reported.
# Negative: a BU from another HoA claiming the router's MNP gets 142 and a BU with an invalid
# prefix 141 (crafted by scapy), and neither installs anything. tshark decodes the MNP
# option (and the R flags) of mip6d's BUs and BAs with no malformed field.
# At home the HA forwards the MNP natively: a static route MNP via the router's HoA on the
# home link (metric 2048; the binding's tunnel route, metric 1024, wins while away), the
# home link's own business per RFC 3963 §6.3.
# Then with MN-HA IPsec (static keys; issue 15 item 4): the router's BU/BA in ESP, none in the
# clear, the MNP route and the host's replies following f1 -> f2.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

PY=/usr/bin/python3
MNP=2001:db8:10::/48
MNET=2001:db8:10:1
HOST=$MNET::2
NS_H=h-$$

topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
# The host behind the mobile router, on its mobile network interface mnet0.
ip netns add "$NS_H" || exit 1
topo_at_exit ip netns del "$NS_H"
ip -n "$NS_MN" link add mnet0 type veth peer name h0 netns "$NS_H" || exit 1
topo_sysctl "$NS_MN" net.ipv6.conf.all.forwarding=1 net.ipv6.conf.mnet0.accept_dad=0
topo_sysctl "$NS_H" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$NS_MN" link set mnet0 up
ip -n "$NS_MN" -6 addr add "$MNET::1/64" dev mnet0 nodad
ip -n "$NS_H" link set lo up
ip -n "$NS_H" link set h0 up
ip -n "$NS_H" -6 addr add "$HOST/64" dev h0 nodad
ip -n "$NS_H" -6 route add default via "$MNET::1" dev h0
# The MNP is reached through the HA (rt), and from the HA at home through the router's HoA.
ip -n "$NS_RT" -6 route add "$MNP" via "$HA_ADDR" dev "$RT_IF_HOME"
topo_sysctl "$NS_HA" net.ipv6.conf.all.forwarding=1
ip -n "$NS_HA" -6 route add "$MNP" via "$MN_HOA" dev "$HA_IF" metric 2048

topo_bg "$NS_HA" cap-ha tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha.pcap" ip6

mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindingLife 600;
HaAcceptMobRtr enabled;
BindingAclPolicy $MN_HOA ($MNP) allow;
BindingAclPolicy 2001:db8:1::77 (2001:db8:77::/48) allow;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -q 'binding(s)$'" ||
	{ not_ok "HA ready"; sed 's/^/#   /' "$TOPO_DIR/ha.log"; exit 1; }
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 300;
MobRtrUseExplicitMode enabled;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64 ($MNP);
	HomeAgentAddress $HA_ADDR;
	IsMobRtr enabled;
}" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl --json bul | grep -q '\"location\":\"home\"'" ||
	{ not_ok "MR at home"; sed 's/^/#   /' "$TOPO_DIR/mn.log"; exit 1; }
check "MR: the mobile network's source rule" sh -c "ip -n '$NS_MN' -6 rule show | grep -q 'from $MNP lookup 252'"
check "the CN reaches the host behind the MR at home" wait_for 15 topo_ping "$NS_CN" "$HOST"

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.02 -W 1 "$HOST"
wait_for 10 grep -q 'bytes from' "$TOPO_DIR/ping.log" || not_ok "the CN's pings to the host are answered at home"

declare -a MOVE_T MOVE_NAME
tnl_rx() { ip -n "$NS_HA" -s link show mip6tnl0 | awk '/RX:/ { getline; print $2 }'; }
tnl_tx() { ip -n "$NS_HA" -s link show mip6tnl0 | awk '/TX:/ { getline; print $2 }'; }
mnp_route() { ip -n "$NS_HA" -6 route show "$MNP" dev mip6tnl0 | grep -q "encap ip6 .*dst $1 "; }
no_mnp_route() { [ -z "$(ip -n "$NS_HA" -6 route show "$MNP" dev mip6tnl0)" ]; }

move() { # move LINK COA
	local link=$1 coa=$2 rx0 tx0 rx1 tx1
	MOVE_T+=("$(now_us)")
	MOVE_NAME+=("$MN_LINK->$link")
	topo_log "move $MN_LINK -> $link"
	move_mn "$link" || { not_ok "move to $link"; return; }
	if [ "$link" = home ]; then
		check "$link: deregistered (BA status 0)" wait_for 15 bul_is '"location":"home","entries":\[{[^]]*"state":"none"[^]]*"last_status":0'
		check "$link: no MNP route into the tunnel" wait_for 5 no_mnp_route
	else
		check "$link: registered with CoA $coa (BA status 0)" \
			wait_for 15 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"[^]]*\"last_status\":0"
		check "$link: the MNP's route into the tunnel towards $coa" wait_for 5 mnp_route "$coa"
	fi
	check "$link: the CN's pings to the host come back" wait_for 15 replies_after "$MOVED_US"
	rx0=$(tnl_rx) tx0=$(tnl_tx)
	wait_for 5 replies_after "$(now_us)" || :
	rx1=$(tnl_rx) tx1=$(tnl_tx)
	if [ "$link" = home ]; then
		check "$link: natively (HA tunnel rx $rx0 -> $rx1, tx $tx0 -> $tx1)" test "$rx1" = "$rx0" -a "$tx1" = "$tx0"
	else
		check "$link: through the HA's tunnel (rx $rx0 -> $rx1, tx $tx0 -> $tx1)" test "$rx1" -gt "$rx0" -a "$tx1" -gt "$tx0"
	fi
}

move foreign1 "$MN_COA_F1"
check "HA: the reverse-tunnel filter of the MNP" sh -c "tc -n '$NS_HA' filter show dev mip6tnl0 ingress | grep -q 'src_ip $MNP'"
move foreign2 "$MN_COA_F2"
move home ""
move foreign1 "$MN_COA_F1"

# Negative: BUs (scapy) from another HoA claiming the router's MNP (142) and an invalid one (141).
routes0=$(ip -n "$NS_HA" -6 route show dev mip6tnl0 | wc -l)
filters0=$(tc -n "$NS_HA" filter show dev mip6tnl0 ingress | grep -c src_ip)
topo_ns "$NS_CN" "$PY" "$TOP/tests/vm/lib/mh_craft.py" "$CN_IF" "$CN_ADDR" "$HA_ADDR" \
	"bumr,2001:db8:1::77,1,$MNP" "bumr,2001:db8:1::77,2,fe80::/64" | sed 's/^/# scapy: /'
check "negative: another HoA's claim on the MNP gets 142" wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json counters | grep -q '\"ba_status_out\":{[^}]*\"142\":1'"
check "negative: an invalid prefix gets 141" wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl --json counters | grep -q '\"ba_status_out\":{[^}]*\"141\":1'"
check "negative: nothing installed (routes $routes0, filters $filters0)" sh -c \
	"[ \$(ip -n '$NS_HA' -6 route show dev mip6tnl0 | wc -l) = $routes0 ] && [ \$(tc -n '$NS_HA' filter show dev mip6tnl0 ingress | grep -c src_ip) = $filters0 ] && ! '$MIP6CTL' -s /run/mip6-ha.ctl --json bc | grep -q '2001:db8:1::77'"
check "negative: the router's MNP route still points at its CoA" mnp_route "$MN_COA_F1"

# Per-move gap: the longest silence between two replies from the move to 10 s later or the next move.
gaps=$(awk -v moves="${MOVE_T[*]}" '
	BEGIN { n = split(moves, m, " ") }
	/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); t[++k] = a[1] * 1000000 + substr(a[2] "000000", 1, 6) }
	END { for (i = 1; i <= n; i++) {
		end = (i < n && m[i + 1] < m[i] + 10000000) ? m[i + 1] : m[i] + 10000000; gap = -1
		for (j = 1; j < k; j++) if (t[j + 1] > m[i] && t[j] < end && t[j + 1] - t[j] > gap) gap = t[j + 1] - t[j]
		printf "%d\n", gap < 0 ? -1 : gap / 1000 } }' "$TOPO_DIR/ping.log")
i=0
for g in $gaps; do
	echo "# handover ${MOVE_NAME[$i]}: gap ${g} ms (pings CN -> host behind the MR)"
	i=$((i + 1))
done
# shellcheck disable=SC2086
check "every handover gap is measured and below a generous 10 s" \
	awk 'BEGIN { bad = 0 } $1 < 0 || $1 > 10000 { bad = 1 } END { exit bad }' <<<"$(printf '%s\n' $gaps)"

# tshark: the router's BUs carry R and the MNP option, the HA's BAs R; nothing malformed.
kill "$(cat "$TOPO_DIR/.pid.cap-ha" 2>/dev/null)" 2>/dev/null
pkill -INT tcpdump 2>/dev/null
wait_for 5 sh -c "! pgrep -x tcpdump >/dev/null"
# (read with the IPsec phase's capture at the end: one tshark run for both)

# --- NEMO with MN-HA IPsec (issue 15 item 4): RFC 4877's SPD covers the router's BU/BA ----------
# The router goes home, both daemons restart with UseMnHaIPsec and static keys (the simplest key
# manager: ipsec-static and ipsec-strongswan cover charon), and the router moves again: its BUs
# with R and the MNP option reach the HA in ESP, the HA's SA from it counts them, nothing of
# the MH is in the clear on the home link, and the MNP still follows the binding.
move_mn home || not_ok "IPsec phase: the router goes home"
wait_for 15 bul_is '"location":"home","entries":\[{[^]]*"state":"none"' || not_ok "IPsec phase: the router deregistered"
mip6_stop mn
mip6_stop ha
keys=/run/mip6-nemo.keys
umask 077
echo "# HoA HA SPI_TO_HA SPI_TO_MN AEAD KEY_TO_HA KEY_TO_MN ICV_BITS
$MN_HOA $HA_ADDR 0x2001 0x2002 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 2122232425262728292a2b2c2d2e2f3031323334 128" >"$keys"
umask 022
ipsec="UseMnHaIPsec enabled;
KeyManagement static;
StaticKeyFile \"$keys\";
IPsecPolicySet {
	HomeAgentAddress $HA_ADDR;
	HomeAddress $MN_HOA/64;
	IPsecPolicy HomeRegBinding UseESP 1 2;
}"
topo_bg "$NS_HA" cap-ha2 tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha-ipsec.pcap" ip6
mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
HaMaxBindingLife 600;
HaAcceptMobRtr enabled;
BindingAclPolicy $MN_HOA ($MNP) allow;
$ipsec" || not_ok "IPsec phase: the HA starts"
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
MnMaxHaBindingLife 300;
MobRtrUseExplicitMode enabled;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64 ($MNP);
	HomeAgentAddress $HA_ADDR;
	IsMobRtr enabled;
}
$ipsec" || not_ok "IPsec phase: the router starts"
static_sas() { [ "$(ip -n "$1" xfrm state | grep -c 'proto esp spi 0x0000200[12] reqid [12] mode transport')" = 2 ]; }
check "IPsec phase: the HA installed both static SAs" wait_for 10 static_sas "$NS_HA"
check "IPsec phase: the router installed both static SAs" wait_for 20 static_sas "$NS_MN"
sa_packets() { ip -n "$NS_HA" -s xfrm state | awk '/spi 0x00002001/ { f = 1 } f && /lifetime current:/ { getline; gsub(/[^0-9]/, "", $2); print $2; exit }'; }
p0=$(sa_packets)
move foreign1 "$MN_COA_F1"
move foreign2 "$MN_COA_F2"
p1=$(sa_packets)
check "IPsec phase: the HA's SA from the router carried its BUs (${p0:-0} -> ${p1:-0} packets)" test "${p1:-0}" -ge $((${p0:-0} + 2))
kill "$(cat "$TOPO_DIR/.pid.cap-ha2" 2>/dev/null)" 2>/dev/null
pkill -INT tcpdump 2>/dev/null
wait_for 5 sh -c "! pgrep -x tcpdump >/dev/null"
# Both captures in one tshark run (its start costs 15-50 s under TCG): merged, the first phase's
# is interface 0, the IPsec phase's 1.
pcap_merge "$TOPO_DIR/both.pcapng" "$TOPO_DIR/ha.pcap" "$TOPO_DIR/ha-ipsec.pcap"
f=$TOPO_DIR/both.pcapng
on_clear="frame.interface_id == 0" on_ipsec="frame.interface_id == 1"
own="mipv6 && !(ipv6.src == $CN_ADDR) && !(ipv6.dst == $CN_ADDR)"
{ read -r bad; read -r n; read -r n_bu; read -r n_ba; read -r clear_mh; read -r esp; } < <(tshark_counts "$f" \
	"$on_clear && ($own) && (_ws.malformed || _ws.expert.severity == \"Error\")" "$on_clear && $own" \
	"$on_clear && mip6.mhtype == 5 && mip6.nemo.bu.r_flag == 1 && mip6.nemo.mnp.mnp == 2001:db8:10:: && mip6.nemo.mnp.pfl == 48 && !_ws.malformed" \
	"$on_clear && mip6.mhtype == 6 && mip6.nemo.ba.r_flag == 1 && mip6.ba.status == 0 && !(ipv6.dst == $CN_ADDR)" \
	"$on_ipsec && mipv6 && !(ipv6.src == $CN_ADDR) && !(ipv6.dst == $CN_ADDR)" \
	"$on_ipsec && esp && ((ipv6.src == $HA_ADDR) || (ipv6.dst == $HA_ADDR))")
# The first phase: the router's BUs carry R and the MNP option, the HA's BAs R; nothing malformed.
check "tshark: $n mip6d MH packets on the home link, $bad malformed/expert errors" test "$bad" = 0 -a "$n" -gt 0
check "tshark: the router's BUs with R and the MNP option decoded ($n_bu)" test "$n_bu" -gt 0
n=$n_ba
check "tshark: the HA's BAs with R decoded ($n)" test "$n" -gt 0
check "IPsec phase: the router's BU/BA in ESP on the HA's link ($esp ESP packets to or from the HA, $clear_mh clear MH)" \
	test "$clear_mh" = 0 -a "$esp" -ge 4

if [ "$fails" -gt 0 ]; then
	echo "# HA log (tail):"
	tail -40 "$TOPO_DIR/ha.log" | sed 's/^/#   /'
	echo "# MR log (tail):"
	tail -40 "$TOPO_DIR/mn.log" | sed 's/^/#   /'
	topo_dump
fi
mip6_stop mn
mip6_stop ha
[ "$fails" = 0 ]
