#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 420
#
# ipsec-static: the second key-management backend, manual keying (RFC 3776 §4.1): mip6d
# installs the MN-HA ESP transport SAs from a root-only key file (KeyManagement static,
# StaticKeyFile), beside its own SPD. The MN moves home -> foreign1 -> foreign2 -> home; every
# BU and BA travels in ESP with those SAs (no clear MH on the wire, SA counters grow), and a
# key file readable by others is refused.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"


topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
topo_bg "$NS_HA" cap-ha tcpdump --immediate-mode -i "$HA_IF" -U -n -w "$TOPO_DIR/ha.pcap" ip6

# The keys live on tmpfs, root only: never in mip6d.conf.
keys=/run/mip6-static.keys
umask 077
echo "# HoA HA SPI_TO_HA SPI_TO_MN AEAD KEY ICV_BITS
$MN_HOA $HA_ADDR 0x1001 0x1002 rfc4106(gcm(aes)) 00112233445566778899aabbccddeeff01020304 128" >"$keys"
umask 022
common="UseMnHaIPsec enabled;
KeyManagement static;
StaticKeyFile \"$keys\";
IPsecPolicySet {
	HomeAgentAddress $HA_ADDR;
	HomeAddress $MN_HOA/64;
	IPsecPolicy HomeRegBinding UseESP 1 2;
}"
mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
$common" || exit 1
mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}
$common" || exit 1

check "the HA installed both static SAs" wait_for 10 sh -c "[ \"\$(ip -n '$NS_HA' xfrm state | grep -c 'proto esp spi 0x0000100[12] reqid [12] mode transport')\" = 2 ]"
check "the MN installed both static SAs" wait_for 20 sh -c "[ \"\$(ip -n '$NS_MN' xfrm state | grep -c 'proto esp spi 0x0000100[12] reqid [12] mode transport')\" = 2 ]"
check "HA: mip6ctl --json ipsec (static backend) is JSON" json_ok ha ipsec
check "MN: mip6ctl --json ipsec (static backend) is JSON" json_ok mn ipsec

topo_bg "$NS_CN" ping ping -6 -D -n -i 0.05 -W 1 "$MN_HOA"
move() {
	local link=$1 coa=$2
	topo_log "move $MN_LINK -> $link"
	move_mn "$link" || { not_ok "move to $link"; return; }
	if [ "$link" = home ]; then
		check "$link: deregistered (BA status 0)" wait_for 20 bul_is '"location":"home","entries":\[{[^]]*"state":"none"[^]]*"last_status":0'
	else
		check "$link: registered with CoA $coa (BA status 0)" \
			wait_for 20 bul_is "\"coa\":\"$coa\",\"state\":\"registered\"[^]]*\"last_status\":0"
	fi
	check "$link: the CN's pings come back" wait_for 20 replies_after "$MOVED_US"
}
move foreign1 "$MN_COA_F1"
move foreign2 "$MN_COA_F2"
move home ""

# `lifetime current:` is followed by "N(bytes), M(packets)".
packets() { ip -n "$NS_HA" -s xfrm state | awk '/spi 0x00001001/ { f = 1 } f && /lifetime current:/ { getline; gsub(/[^0-9]/, "", $2); print $2; exit }'; }
n=$(packets)
check "the HA's SA from the MN carried the BUs (${n:-0} packets)" test "${n:-0}" -ge 3
pkill -INT -x tcpdump 2>/dev/null
wait_for 5 sh -c "! pgrep -x tcpdump >/dev/null"
clear_mh=$(tshark -r "$TOPO_DIR/ha.pcap" -Y "mipv6" 2>/dev/null | wc -l)
esp=$(tshark -r "$TOPO_DIR/ha.pcap" -Y "esp" 2>/dev/null | wc -l)
check "BU/BA in ESP on the HA's link: $esp ESP packets, $clear_mh clear MH" test "$clear_mh" = 0 -a "$esp" -gt 0

# A key file others can read is refused (the HA is restarted with it).
mip6_stop ha
chmod 0644 "$keys"
mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
$common" || not_ok "HA restarts"
check "a key file readable by others is refused" wait_for 10 grep -q "must be owned by root with mode 0600" "$TOPO_DIR/ha.log"

if [ "$fails" -gt 0 ]; then
	tail -30 "$TOPO_DIR/ha.log" | sed 's/^/#   ha: /'
	tail -30 "$TOPO_DIR/mn.log" | sed 's/^/#   mn: /'
fi
mip6_stop mn
mip6_stop ha
[ "$fails" = 0 ]
