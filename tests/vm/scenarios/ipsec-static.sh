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
echo "# HoA HA SPI_TO_HA SPI_TO_MN AEAD KEY_TO_HA KEY_TO_MN ICV_BITS
$MN_HOA $HA_ADDR 0x1001 0x1002 rfc4106(gcm(aes)) 00112233445566778899aabbccddeeff01020304 ffeeddccbbaa99887766554433221100a0b0c0d0 128" >"$keys"
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
MN_CONF="NodeConfig MN;
Interface \"$MN_IF\";
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}
$common"
mip6_start "$NS_MN" mn "$MN_CONF" || exit 1

check "the HA installed both static SAs" wait_for 10 sh -c "[ \"\$(ip -n '$NS_HA' xfrm state | grep -c 'proto esp spi 0x0000100[12] reqid [12] mode transport')\" = 2 ]"
check "the MN installed both static SAs" wait_for 20 sh -c "[ \"\$(ip -n '$NS_MN' xfrm state | grep -c 'proto esp spi 0x0000100[12] reqid [12] mode transport')\" = 2 ]"
check "HA: mip6ctl --json ipsec (static backend) is JSON" json_ok ha ipsec
check "MN: mip6ctl --json ipsec (static backend) is JSON" json_ok mn ipsec
# One key per direction (ip shows the AEAD key), no anti-replay window (RFC 3776 §4.4).
sa_key() { ip -n "$1" xfrm state | awk -v spi="$2" '$0 ~ "spi " spi { f = 1 } f && /aead/ { print $3; exit }'; }
check "one key per direction: HoA->HA $(sa_key "$NS_HA" 0x00001001), HA->HoA $(sa_key "$NS_HA" 0x00001002)" \
	test "$(sa_key "$NS_HA" 0x00001001)" = 0x00112233445566778899aabbccddeeff01020304 -a \
	"$(sa_key "$NS_HA" 0x00001002)" = 0xffeeddccbbaa99887766554433221100a0b0c0d0
esp_windows() { ip -n "$1" xfrm state | awk '/proto esp/ { getline; print $2 }' | sort | uniq -c | awk '{ print $1 "x" $2 }'; }
check "no anti-replay window on the static SAs: HA $(esp_windows "$NS_HA"), MN $(esp_windows "$NS_MN")" \
	test "$(esp_windows "$NS_HA") $(esp_windows "$NS_MN")" = "2x0 2x0"

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
# One tshark run for both counts (tshark_counts: its start costs 15-50 s under TCG).
{ read -r clear_mh; read -r esp; } < <(tshark_counts "$TOPO_DIR/ha.pcap" "mipv6" "esp")
check "BU/BA in ESP on the HA's link: $esp ESP packets, $clear_mh clear MH" test "$clear_mh" = 0 -a "$esp" -gt 0

# --- fail closed (RFC 4877 §4.3): a reload that adds a set; `ip xfrm policy flush` ------------
HOA2=${HOME_PREFIX%::/*}::200
tmpl_mismatch() { mip6_json ha counters | sed -n 's/.*"xfrm_in_tmpl_mismatch":\([0-9]*\).*/\1/p'; }
refused_since() { [ "$(tmpl_mismatch)" -gt "$1" ]; }
clear_bu() { # clear_bu HOA SEQ: a BU for HOA in the clear from the CN (scapy)
	topo_ns "$NS_CN" "$PY" "$TOP/tests/vm/lib/mh_craft.py" "$CN_IF" "$CN_ADDR" "$HA_ADDR" "bu,$1,$2" |
		sed 's/^/# scapy: /'
}
no_binding() { ! mip6_json ha bc | grep -q "\"hoa\":\"$1\""; }
ha_spd_count() { # the HA's HoA<->HA MH entries for HOA (in and out)
	ip -n "$NS_HA" xfrm policy | grep -cE "^src ($1/128 dst $HA_ADDR/128|$HA_ADDR/128 dst $1/128) proto mobility-header"
}
spd_back() { [ "$(ha_spd_count "$MN_HOA")" = 2 ] && [ "$(ha_spd_count "$HOA2")" = 2 ]; }
printf '%s\nIPsecPolicySet {\n\tHomeAgentAddress %s;\n\tHomeAddress %s/64;\n\tIPsecPolicy HomeRegBinding UseESP 3 4;\n}\n' \
	"NodeConfig HA;
Interface \"$HA_IF\";
$common" "$HA_ADDR" "$HOA2" >"$TOPO_DIR/ha.conf"
check "mip6ctl reload (adds an IPsecPolicySet for $HOA2)" sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl reload | grep -q reloaded"
# The reload's answer waits for the kernel: the entries exist when it returns.
check "when mip6ctl reload returned, the HA's SPD held $HOA2's entries ($(ha_spd_count "$HOA2"))" \
	test "$(ha_spd_count "$HOA2")" = 2
n=$(tmpl_mismatch)
clear_bu "$HOA2" 7
check "after the reload: a clear BU for $HOA2 is refused by the kernel (XfrmInTmplMismatch > $n)" \
	wait_for 10 refused_since "$n"
check "after the reload: no binding for $HOA2" no_binding "$HOA2"

t=$(now_us)
ip -n "$NS_HA" xfrm policy flush
if wait_for 5 spd_back; then
	ok "ip xfrm policy flush on the HA: the SPD entries are back within 5 s of the flush's return ($((($(now_us) - t) / 1000)) ms since the flush started)"
else
	not_ok "ip xfrm policy flush on the HA: SPD entries back within 5 s ($(ha_spd_count "$MN_HOA") + $(ha_spd_count "$HOA2"))"
fi
check "the HA logged the flush" grep -q "SPD was flushed; reinstalling" "$TOPO_DIR/ha.log"
n=$(tmpl_mismatch)
clear_bu "$HOA2" 8
check "after the flush: a clear BU for $HOA2 is refused by the kernel" wait_for 10 refused_since "$n"
n=$(tmpl_mismatch)
clear_bu "$MN_HOA" 9
check "after the flush: a clear BU for $MN_HOA is refused by the kernel" wait_for 10 refused_since "$n"
check "after the flush: no binding for $HOA2" no_binding "$HOA2"
t=$(now_us)
ip -n "$NS_HA" xfrm policy delete src "$MN_HOA/128" dst "$HA_ADDR/128" proto mobility-header dir in
if wait_for 5 spd_back; then
	ok "one entry deleted: back within 5 s of the delete's return ($((($(now_us) - t) / 1000)) ms since it started)"
else
	not_ok "one entry deleted: back within 5 s"
fi
check "mip6ctl status counts the repairs: $(mip6ctl_of ha status | grep -o '[0-9]* SPD entries ([0-9]* reinstalled)')" \
	sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -qE 'SPD entries \\([1-9][0-9]* reinstalled\\)'"

# --- restarts with manual keys (no anti-replay window) --------------------------------------
mh_burst() { # mh_burst NS SRC DST N [IFACE]: N MH Binding Refresh Requests, each one ESP packet
	topo_ns "$1" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
s.setsockopt(socket.IPPROTO_IPV6, 7, 4)  # IPV6_CHECKSUM at offset 4
if len(sys.argv) > 4:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[4].encode())
s.bind((sys.argv[1], 0))
for _ in range(int(sys.argv[3])):
    s.sendto(bytes([59, 0, 0, 0, 0, 0, 0, 0]), (sys.argv[2], 0))
' "${@:2}"
}
# The sender's sequence number: "anti-replay context: seq 0x.., oseq 0x.., bitmap ..". A receiver
# with a replay window would have followed it (its window then drops a restarted sender's 1, 2, ...).
sa_oseq() { ip -n "$1" -s xfrm state | awk -v spi="$2" '$0 ~ "spi " spi { f = 1 } f && /anti-replay context/ { gsub(",", ""); print $6; exit }'; }
# `lifetime current:` is followed by "N(bytes), M(packets)": what the receiver's SA took.
sa_packets() { ip -n "$1" -s xfrm state | awk -v spi="$2" '$0 ~ "spi " spi { f = 1 } f && /lifetime current:/ { getline; gsub(/[^0-9]/, "", $2); print $2; exit }'; }
past_32() { # past_32 SENDER_NS RECEIVER_NS SPI: the sender sent > 32, the receiver took > 32
	local o p
	o=$(sa_oseq "$1" "$3")
	p=$(sa_packets "$2" "$3")
	echo "# SA $3: sender oseq ${o:-?}, receiver packets ${p:-?}"
	[ $((${o:-0})) -gt 32 ] && [ "${p:-0}" -gt 32 ]
}
# --- the MN's own SPD (RFC 4877 §7.2): `ip xfrm policy flush` on the MN is noticed and repaired --
mn_spd_count() { # the MN's HoA<->HA MH entries (in and out)
	ip -n "$NS_MN" xfrm policy | grep -cE "^src ($MN_HOA/128 dst $HA_ADDR/128|$HA_ADDR/128 dst $MN_HOA/128) proto mobility-header"
}
mn_spd0=$(mn_spd_count)
mn_spd_back() { [ "$(mn_spd_count)" = "$mn_spd0" ]; }
mn_all0=$(ip -n "$NS_MN" xfrm policy | grep -c '^src')
mn_all_back() { [ "$(ip -n "$NS_MN" xfrm policy | grep -c '^src')" = "$mn_all0" ]; }
t=$(now_us)
ip -n "$NS_MN" xfrm policy flush
if wait_for 5 mn_all_back && mn_spd_back; then
	ok "ip xfrm policy flush on the MN: its $mn_all0 SPD entries ($mn_spd0 for BU/BA) are back within 5 s ($((($(now_us) - t) / 1000)) ms since the flush started)"
else
	not_ok "ip xfrm policy flush on the MN: entries back within 5 s ($(ip -n "$NS_MN" xfrm policy | grep -c '^src') of $mn_all0)"
fi
check "the MN logged the flush" grep -q "SPD was flushed; reinstalling" "$TOPO_DIR/mn.log"
check "the MN's status counts the repairs: $(mip6ctl_of mn status | grep -o '[0-9]* SPD entries ([0-9]* reinstalled)')" \
	sh -c "'$MIP6CTL' -s /run/mip6-mn.ctl status | grep -qE 'SPD entries \\([1-9][0-9]* reinstalled\\)'"
n=$(packets)
move foreign1 "$MN_COA_F1"
check "after the MN's flush: its BU reached the HA in ESP (SA 0x1001: $n -> $(packets) packets)" \
	test "$(packets)" -gt "$n"
mh_burst "$NS_HA" "$HA_ADDR" "$MN_HOA" 40
mh_burst "$NS_MN" "$MN_HOA" "$HA_ADDR" 40 "$MN_IF"
check "HA -> MN SA (0x1002) past sequence number 32 on both ends" wait_for 5 past_32 "$NS_HA" "$NS_MN" 0x00001002
check "MN -> HA SA (0x1001) past sequence number 32 on both ends" wait_for 5 past_32 "$NS_MN" "$NS_HA" 0x00001001
# The HA restarts and has lost its SAD (a reboot): its SA to the MN starts again at 1.
mip6_stop ha
ip -n "$NS_HA" xfrm state flush proto esp
mip6_start "$NS_HA" ha "$(cat "$TOPO_DIR/ha.conf")" || not_ok "HA restarts"
check "the restarted HA installed both static SAs again" \
	wait_for 10 sh -c "[ \"\$(ip -n '$NS_HA' xfrm state | grep -c 'proto esp spi 0x0000100[12] reqid [12] mode transport')\" = 2 ]"
t=$(now_us)
move foreign2 "$MN_COA_F2"
echo "# after the HA's restart: BU -> BA in $((($(now_us) - t) / 1000)) ms (including the move)"
# The MN restarts and has lost its SAD: its SA to the HA starts again at 1.
mh_burst "$NS_MN" "$MN_HOA" "$HA_ADDR" 40 "$MN_IF"
check "MN -> HA SA (0x1001) past sequence number 32 again" wait_for 5 past_32 "$NS_MN" "$NS_HA" 0x00001001
mip6_stop mn
ip -n "$NS_MN" xfrm state flush proto esp
t=$(now_us)
mip6_start "$NS_MN" mn "$MN_CONF" || not_ok "MN restarts"
check "after the MN's restart: registered with CoA $MN_COA_F2 (BA status 0)" \
	wait_for 30 bul_is "\"coa\":\"$MN_COA_F2\",\"state\":\"registered\"[^]]*\"last_status\":0"
echo "# after the MN's restart: registered $((($(now_us) - t) / 1000)) ms after its start"
o=$(sa_oseq "$NS_MN" 0x00001001)
check "after the MN's restart: its SA to the HA started again at 1 (oseq ${o:-none} < 32; the HA had seen more)" \
	test -n "$o" -a "$((${o:-0}))" -gt 0 -a "$((${o:-0}))" -lt 32

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
