#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 120
#
# smoke: does this kernel have what mip6d needs?  Each check prints "ok - …" or
# "not ok - …"; the scenario fails if any fails.  Runs on the topology of lib/topo.sh with
# the MN on foreign1 (CoA by SLAAC) and no mip6d: the kernel state mip6d would install is
# installed here by hand.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
TAP_ON_FAIL=reset_state # a failed check leaves nothing behind for the next

PY=/usr/bin/python3	# Debian's, which has the system packages

# After a failed check: remove whatever the checks install, so the next starts clean.
reset_state() {
	local ns
	for ns in "$NS_HA" "$NS_MN" "$NS_CN"; do
		ip -6 -n "$ns" -force -batch - >/dev/null 2>&1 <<EOF
xfrm state flush
xfrm policy flush
rule del from $MN_HOA lookup 100 priority 1000
route flush table 100
route del $MN_HOA/128
neigh del proxy $MN_HOA dev $HA_IF
addr del $MN_HOA/128 dev $MN_IF
link del ip6tnl1
link del t0
EOF
	done
}

# Packet counter of an SA: sa_packets NS SRC DST SPI
sa_packets() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		sed -n 's/.*(bytes), *\([0-9]*\)(packets).*/\1/p' | head -n1
}

# Both xfrm databases of a namespace emptied.
xfrm_flush() {
	local ns
	for ns in "$@"; do
		ip -n "$ns" -batch - <<EOF
xfrm state flush
xfrm policy flush
EOF
	done
}

# --- 1. ip6ip6 tunnel: the MIPv6 bidirectional tunnel MN(CoA) <-> HA, proxy ND on the
# home link.  CN -> HoA goes rt -> home link -> HA (proxy NA) -> tunnel -> MN.
check_ip6ip6() {
	x ip -n "$NS_HA" -batch - <<EOF || return 1
tunnel add ip6tnl1 mode ip6ip6 local $HA_ADDR remote $MN_COA_F1
link set ip6tnl1 up
route add $MN_HOA/128 dev ip6tnl1
neigh add proxy $MN_HOA dev $HA_IF
EOF
	x topo_sysctl "$NS_HA" "net.ipv6.conf.$HA_IF.proxy_ndp=1" || return 1
	x ip -6 -n "$NS_MN" -batch - <<EOF || return 1
tunnel add ip6tnl1 mode ip6ip6 local $MN_COA_F1 remote $HA_ADDR
link set ip6tnl1 up
addr add $MN_HOA/128 dev ip6tnl1 nodad home
rule add from $MN_HOA lookup 100 priority 1000
route add default dev ip6tnl1 table 100
EOF
	x topo_ping "$NS_MN" "$CN_ADDR" -I "$MN_HOA" || return 1
	x topo_ping "$NS_CN" "$MN_HOA" || return 1
	local rx
	rx=$(ip -n "$NS_HA" -s -j link show ip6tnl1 | sed -n 's/.*"rx":{"bytes":[0-9]*,"packets":\([0-9]*\).*/\1/p')
	echo "# HA ip6tnl1 received ${rx:-?} packets"
	[ "${rx:-0}" -gt 0 ] || return 1
	# Leave the MN's side for the flow-based check; remove the HA's classic tunnel.
	x ip -n "$NS_HA" -batch - <<EOF || return 1
route del $MN_HOA/128 dev ip6tnl1
tunnel del ip6tnl1
EOF
}

# --- 4. flow-based ip6tnl (one device for all bindings): route HoA encap ip6 dst CoA.
check_ip6tnl_external() {
	x ip -n "$NS_HA" -batch - <<EOF || return 1
link add t0 type ip6tnl external
link set t0 up
route add $MN_HOA/128 encap ip6 dst $MN_COA_F1 dev t0
EOF
	x topo_ping "$NS_CN" "$MN_HOA" || return 1
	x topo_ping "$NS_MN" "$CN_ADDR" -I "$MN_HOA" || return 1
	ip -n "$NS_HA" -6 route show "$MN_HOA/128" | grep -q "encap ip6 .*dst $MN_COA_F1" || {
		echo "# no encap route on the HA"
		return 1
	}
	x ip -n "$NS_HA" -batch - <<EOF || return 1
route del $MN_HOA/128 dev t0
link del t0
neigh del proxy $MN_HOA dev $HA_IF
EOF
	x ip -6 -n "$NS_MN" -batch - <<EOF || return 1
rule del from $MN_HOA lookup 100 priority 1000
route flush table 100
tunnel del ip6tnl1
EOF
}

# --- 2. ESP transport (AES-GCM) and ESP tunnel (AES-CBC + HMAC-SHA256) HA <-> CN.
esp_pair() {
	# esp_pair MODE ALGO...: SAs and policies HA <-> CN, then ping and counters.
	local mode=$1 spi_o=$2 spi_i=$3
	shift 3
	local ns src dst so si
	for ns in "$NS_HA" "$NS_CN"; do
		if [ "$ns" = "$NS_HA" ]; then src=$HA_ADDR dst=$CN_ADDR so=$spi_o si=$spi_i
		else src=$CN_ADDR dst=$HA_ADDR so=$spi_i si=$spi_o; fi
		x ip -n "$ns" -batch - <<EOF || return 1
xfrm state add src $src dst $dst proto esp spi $so reqid 1 mode $mode $*
xfrm state add src $dst dst $src proto esp spi $si reqid 1 mode $mode $*
xfrm policy add src $src/128 dst $dst/128 dir out tmpl src $src dst $dst proto esp reqid 1 mode $mode
xfrm policy add src $dst/128 dst $src/128 dir in tmpl src $dst dst $src proto esp reqid 1 mode $mode
EOF
	done
	x topo_ping "$NS_HA" "$CN_ADDR" || return 1
	local out in
	out=$(sa_packets "$NS_HA" "$HA_ADDR" "$CN_ADDR" "$spi_o")
	in=$(sa_packets "$NS_CN" "$HA_ADDR" "$CN_ADDR" "$spi_o")
	echo "# ESP $mode: HA out SA ${out:-?} packets, CN in SA ${in:-?} packets"
	[ "${out:-0}" -ge 1 ] && [ "${in:-0}" -ge 1 ] || return 1
	in=$(sa_packets "$NS_HA" "$CN_ADDR" "$HA_ADDR" "$spi_i")
	echo "# ESP $mode: HA in SA ${in:-?} packets (replies)"
	[ "${in:-0}" -ge 1 ] || return 1
	xfrm_flush "$NS_HA" "$NS_CN"
}

check_esp_transport() {
	esp_pair transport 0x1001 0x1002 \
		"aead rfc4106(gcm(aes)) 0x0102030405060708091011121314151617181920 128"
}

check_esp_tunnel() {
	esp_pair tunnel 0x2001 0x2002 \
		"enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f" \
		"auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128"
}

# ro_seen PCAP N: at least N packets with a RH2 (CN -> CoA, HoA in the header) and N with
# a HAO (CoA -> CN, HoA in the option) in PCAP.  tcpdump decodes both; tshark would too
# (filters "ipv6.routing.type == 2 && ipv6.routing.mipv6.home_address == HOA" and
# "ipv6.opt.type == 201 && ipv6.opt.mipv6.home_address == HOA", checked with tshark
# 4.0.17) but one filtered read costs 4-20 s under TCG, tcpdump 0.1 s.
ro_seen() {
	local text rh2 hao
	text=$(tcpdump -n -vv -r "$1" 2>/dev/null)
	rh2=$(grep -c -F "$CN_ADDR > $MN_COA_F1: RT6 (len=2, type=2, segleft=1, rsv=0x0, [0]$MN_HOA)" <<<"$text")
	hao=$(grep -c -F "$MN_COA_F1 > $CN_ADDR: DSTOPT (padn)(homeaddr: $MN_HOA)" <<<"$text")
	[ "$2" = 1 ] && echo "# on the wire at rt: $rh2 packets with RH2 to the CoA, $hao with a HAO from the CoA"
	[ "$rh2" -ge "$2" ] && [ "$hao" -ge "$2" ]
}

# --- 3. route optimisation MN(HoA, CoA) <-> CN: RH2 CN->MN, HAO MN->CN, seen on the wire.
check_ro() {
	x ip -n "$NS_MN" -batch - <<EOF || return 1
addr add $MN_HOA/128 dev $MN_IF nodad home
xfrm state add src $MN_HOA dst $CN_ADDR proto hao mode ro coa $MN_COA_F1
xfrm state add src $CN_ADDR dst $MN_HOA proto route2 mode ro coa $MN_COA_F1
xfrm policy add src $MN_HOA/128 dst $CN_ADDR/128 dir out ptype sub tmpl src $MN_HOA dst $CN_ADDR proto hao mode ro
xfrm policy add src $CN_ADDR/128 dst $MN_HOA/128 dir in ptype sub tmpl src $CN_ADDR dst $MN_HOA proto route2 mode ro level use
EOF
	x ip -n "$NS_CN" -batch - <<EOF || return 1
xfrm state add src $CN_ADDR dst $MN_HOA proto route2 mode ro coa $MN_COA_F1
xfrm state add src $MN_HOA dst $CN_ADDR proto hao mode ro coa $MN_COA_F1
xfrm policy add src $CN_ADDR/128 dst $MN_HOA/128 dir out ptype sub tmpl src $CN_ADDR dst $MN_HOA proto route2 mode ro
xfrm policy add src $MN_HOA/128 dst $CN_ADDR/128 dir in ptype sub tmpl src $MN_HOA dst $CN_ADDR proto hao mode ro level use
EOF
	local pcap=$TOPO_DIR/ro.pcap
	# --immediate-mode: with TPACKET_V3 blocks, packets not yet handed to tcpdump when it
	# is stopped are lost.
	topo_bg "$NS_RT" tcpdump-ro tcpdump --immediate-mode -U -n -i "$RT_IF_F1" -w "$pcap" \
		'ip6 and not ip6[6] == 58'
	local tcpdump_pid=$TOPO_LAST_PID
	x wait_for 10 grep -q "listening on" "$TOPO_DIR/tcpdump-ro.log" || return 1
	x topo_ping "$NS_MN" "$CN_ADDR" -I "$MN_HOA" || return 1
	x topo_ping "$NS_CN" "$MN_HOA" || return 1
	wait_for 5 ro_seen "$pcap" 6
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid" 2>/dev/null
	ro_seen "$pcap" 1 || return 1
	xfrm_flush "$NS_MN" "$NS_CN"
	x ip -n "$NS_MN" addr del "$MN_HOA/128" dev "$MN_IF"
}

# --- 5. XFRM MIGRATE of a tunnel-mode policy and its SA, with XFRMA_KMADDRESS, seen by a
# listener in the same namespace (needs kernel >= 6.1.176 inside a netns).
check_migrate() {
	x ip -n "$NS_MN" -batch - <<EOF || return 1
xfrm state add src $MN_COA_F1 dst $HA_ADDR proto esp spi 0x3001 reqid 7 mode tunnel enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128
xfrm policy add src $MN_HOA/128 dst ::/0 dir out tmpl src $MN_COA_F1 dst $HA_ADDR proto esp reqid 7 mode tunnel
EOF
	x topo_ns "$NS_MN" "$PY" "$TOP/tests/vm/lib/xfrm_migrate.py" send --expect-notify \
		--sel "$MN_HOA/128,::/0" --dir out \
		--migrate "$MN_COA_F1,$HA_ADDR,$MN_COA_F2,$HA_ADDR,esp,tunnel,7" \
		--kmaddress "$MN_COA_F2,$HA_ADDR" || return 1
	ip -n "$NS_MN" xfrm state get src "$MN_COA_F2" dst "$HA_ADDR" proto esp spi 0x3001 >/dev/null || {
		echo "# the SA did not move to $MN_COA_F2"
		return 1
	}
	ip -n "$NS_MN" xfrm policy get src "$MN_HOA/128" dst ::/0 dir out | grep -q "tmpl src $MN_COA_F2 dst $HA_ADDR" || {
		echo "# the policy template did not move to $MN_COA_F2"
		return 1
	}
	xfrm_flush "$NS_MN"
}

echo "# kernel $(uname -r), $(uname -v)"
t_setup=$EPOCHREALTIME
topo_setup || { echo "not ok - topology setup ($(elapsed "$t_setup") s)"; exit 1; }
ok "topology: MN has $MN_SLAAC_HOME at home ($(elapsed "$t_setup") s)"
topo_move_mn foreign1
check_timed "MN autoconfigures CoA $MN_COA_F1 on foreign1" topo_wait_mn_addr "$MN_COA_F1" 10
topo_mn_forget_other_links
check_timed "ip6ip6 tunnel HA<->CoA with proxy ND, traffic both ways" check_ip6ip6
check_timed "flow-based ip6tnl external + encap ip6 route" check_ip6tnl_external
check_timed "ESP transport SA, rfc4106(gcm(aes)), counters grow" check_esp_transport
check_timed "ESP tunnel SA, cbc(aes)+hmac(sha256), counters grow" check_esp_tunnel
check_timed "RO states route2/hao mode ro: RH2 and HAO on the wire" check_ro
check_timed "XFRM MIGRATE with KMADDRESS notified in the netns" check_migrate
echo "# $((ntests - fails)) of $ntests checks passed"
[ "$fails" = 0 ]
