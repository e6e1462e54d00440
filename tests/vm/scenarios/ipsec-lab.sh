#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 300
# (~130 s on an idle 2-core TCG host; 200-260 s while other VMs share its cores)
#
# ipsec-lab: MN-HA protection with strongSwan IKEv2 (RFC 4877) without mip6d.  The SPD
# mip6d installs (BU/BA ESP transport policies HoA<->HA with MH-type selectors, templates
# with reqid 1000000001) is installed here by hand; charon runs on the HA and on the MN with the
# shipped swanctl/ files (lib/charon.sh).  Checks: the X.509 variant and the PSK variant
# establish; the homereg CHILD_SA has reqid 1000000001 on both sides; BU/BA travel in ESP; after a
# move to foreign1, a transport-mode XFRM MIGRATE with old == new (HoA, HA) and KMADDRESS
# (CoA, HA) on each side moves both IKE SA endpoints to CoA<->HA without a new IKE_SA_INIT;
# BU/BA still travel in ESP; a CHILD_SA rekey runs over the moved IKE SA.  Then the K=0
# path (HA terminates, MN initiates again from the foreign link) is explored and reported:
# which source address charon picks with the HoA configured as a home address.
# Each check prints "ok - …" / "not ok - …"; "# …" lines are measurements and findings.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"
# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

PY=/usr/bin/python3 # Debian's
MIGRATE=$TOP/tests/vm/lib/xfrm_migrate.py

# --- Mobility Header helpers (raw IPPROTO_MH sockets; the kernel fills the MH checksum).
mkdir -p "$TOPO_DIR"
cat >"$TOPO_DIR/mh.py" <<'EOF'
import socket, struct, sys, time
# mh.py listen | mh.py send SRC DST TYPE COUNT
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
if sys.argv[1] == "listen":
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    print("listening", flush=True)
    while True:
        data, anc, _, addr = s.recvmsg(2048, 256)
        dst = "?"
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, val[:16])
        print("recv src %s dst %s type %d" % (addr[0], dst, data[2]), flush=True)
src, dst, mhtype, count = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s.bind((src, 0))
for i in range(count):
    if mhtype == 5:   # BU: sequence, flags A|H, reserved, lifetime
        body = struct.pack("!HBBH", i + 1, 0xC0, 0, 10)
    else:             # BA: status, flags, sequence, lifetime
        body = struct.pack("!BBHH", 0, 0, i + 1, 10)
    # payload proto 59, header length 1 (16 bytes), type, reserved, checksum, body, PadN
    s.sendto(bytes([59, 1, mhtype, 0, 0, 0]) + body + bytes([1, 2, 0, 0]), (dst, 0))
    time.sleep(0.1)
EOF

mh_send() { topo_ns "$1" "$PY" "$TOPO_DIR/mh.py" send "$2" "$3" "$4" "${5:-3}"; }
# mh_seen NAME SRC TYPE MIN: the listener NAME logged at least MIN MHs of TYPE from SRC
mh_seen() {
	[ "$(grep -c "^recv src $2 .* type $3\$" "$TOPO_DIR/$1.log")" -ge "$4" ]
}

# --- charon state, from `swanctl --list-sas --raw` (one line per IKE SA).
# Every swanctl exec costs 1-5 s under TCG: the last answer per instance is kept in
# LAST_SAS[NAME] for describe/spis (sas_raw NAME: query and print; snap NAME: query only).
declare -A LAST_SAS
snap() { LAST_SAS[$1]=$(charon_swanctl "$1" --list-sas --raw 2>/dev/null | grep -F 'list-sa event'); }
sas_raw() { snap "$1"; printf '%s\n' "${LAST_SAS[$1]}"; }
# field TEXT KEY: the first KEY=value in TEXT (the IKE SA's own keys come first)
field() { grep -o "[ {]$2=[^ }]*" <<<"$1" | head -n1 | cut -d= -f2-; }
child_part() { echo "${1#*child-sas \{}"; }

# ike_is NAME LOCAL REMOTE: one ESTABLISHED IKE SA LOCAL<->REMOTE with an INSTALLED
# child of reqid 1000000001
ike_is() {
	local t c
	snap "$1"
	t=${LAST_SAS[$1]}
	[ "$(grep -c . <<<"$t")" = 1 ] || return 1
	c=$(child_part "$t")
	[ "$(field "$t" state)" = ESTABLISHED ] && [ "$(field "$t" local-host)" = "$2" ] &&
		[ "$(field "$t" remote-host)" = "$3" ] && [ "$(field "$c" reqid)" = 1000000001 ] &&
		[ "$(field "$c" state)" = INSTALLED ]
}

# has_sa NAME LOCAL REMOTE: some ESTABLISHED IKE SA LOCAL<->REMOTE (others may exist, e.g.
# a half-open one that no connection matched yet, which `terminate --ike NAME` leaves)
has_sa() {
	local l
	snap "$1"
	while IFS= read -r l; do
		[ "$(field "$l" state)" = ESTABLISHED ] && [ "$(field "$l" local-host)" = "$2" ] &&
			[ "$(field "$l" remote-host)" = "$3" ] && return 0
	done <<<"${LAST_SAS[$1]}"
	return 1
}

no_sas() { snap "$1"; [ -z "${LAST_SAS[$1]}" ]; }

describe() {
	# describe NAME: one summary line of NAME's IKE SA (as last queried)
	local t c
	t=${LAST_SAS[$1]}
	c=$(child_part "$t")
	echo "# $1: IKE $(field "$t" state) $(field "$t" local-host)<->$(field "$t" remote-host)" \
		"spi $(field "$t" initiator-spi)/$(field "$t" responder-spi);" \
		"child $(field "$c" name) reqid $(field "$c" reqid) $(field "$c" state)" \
		"$(field "$c" mode) spi in $(field "$c" spi-in) out $(field "$c" spi-out)"
}

spis() { local t=${LAST_SAS[$1]}; echo "$(field "$t" initiator-spi)/$(field "$t" responder-spi)"; }

# Packets counted on the ESP SA SRC->DST in NS (sum over such SAs).
esp_packets() {
	ip -n "$1" -s xfrm state list src "$2" dst "$3" proto esp 2>/dev/null |
		sed -n 's/.*(bytes), *\([0-9]*\)(packets).*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}

# Counts of IKE_SA_INIT starts in the logs: initiator and responder lines.
ike_inits() {
	local mn ha
	mn=$(grep -c "initiating IKE_SA" "$(charon_log mn)")
	ha=$(grep -c "is initiating an IKE_SA" "$(charon_log ha)")
	echo "$mn $ha"
}

# mh_in_esp TAG: 3 BUs HoA->HA and 3 BAs HA->HoA; both listeners get some, the SA counters
# grow, and at the HA's interface they are ESP only (no MH in the clear).
mh_in_esp() {
	local tag=$1 pcap=$TOPO_DIR/mh-$1.pcap mn0 ha0 mn1 ha1 esp clear
	topo_bg "$NS_HA" "tcpdump-$tag" tcpdump --immediate-mode -U -n -i "$HA_IF" -w "$pcap" \
		'ip6 proto 50 or ip6 proto 135'
	local tpid=$TOPO_LAST_PID
	x wait_for 10 grep -q "listening on" "$TOPO_DIR/tcpdump-$tag.log" || return 1
	mn0=$(esp_packets "$NS_MN" "$MN_HOA" "$HA_ADDR")
	ha0=$(esp_packets "$NS_HA" "$HA_ADDR" "$MN_HOA")
	x mh_send "$NS_MN" "$MN_HOA" "$HA_ADDR" 5 || return 1
	x mh_send "$NS_HA" "$HA_ADDR" "$MN_HOA" 6 || return 1
	wait_for 5 mh_seen mh-ha "$MN_HOA" 5 "$2"
	wait_for 5 mh_seen mh-mn "$HA_ADDR" 6 "$2"
	kill -INT "$tpid"
	wait "$tpid" 2>/dev/null
	mn1=$(esp_packets "$NS_MN" "$MN_HOA" "$HA_ADDR")
	ha1=$(esp_packets "$NS_HA" "$HA_ADDR" "$MN_HOA")
	esp=$(tcpdump -n -r "$pcap" "ip6 proto 50 and host $MN_HOA and host $HA_ADDR" 2>/dev/null | grep -c .)
	clear=$(tcpdump -n -r "$pcap" 'ip6 proto 135' 2>/dev/null | grep -c .)
	echo "# $tag: MN out SA $mn0 -> $mn1 packets, HA out SA $ha0 -> $ha1;" \
		"at $HA_IF $esp ESP packets HoA<->HA, $clear clear MH;" \
		"HA got $(grep -c "type 5\$" "$TOPO_DIR/mh-ha.log") BUs, MN $(grep -c "type 6\$" "$TOPO_DIR/mh-mn.log") BAs in all"
	mh_seen mh-ha "$MN_HOA" 5 "$2" && mh_seen mh-mn "$HA_ADDR" 6 "$2" &&
		[ "$mn1" -gt "$mn0" ] && [ "$ha1" -gt "$ha0" ] && [ "$esp" -ge 2 ] && [ "$clear" = 0 ]
}

# The SPD mip6d installs for the BU/BA SA (reqid 1000000001), in NS; LOCAL REMOTE. Protocol-only MH
# selectors, as src/ipsec/spd.c writes them (a typed inbound MH selector does not match on
# Linux 6.12: see kernel-selectors.sh).
spd() {
	ip -n "$1" -batch - <<EOF
xfrm policy add src $2/128 dst $3/128 proto 135 dir out tmpl proto esp mode transport reqid 1000000001
xfrm policy add src $3/128 dst $2/128 proto 135 dir in tmpl proto esp mode transport reqid 1000000001
EOF
}

# initiate [TIMEOUT_S]: the MN initiates child homereg (and its IKE SA) as mip6d would
initiate() {
	charon_swanctl mn --initiate --child homereg --timeout "${1:-30}" >>"$TOPO_DIR/initiate.log" 2>&1
}

echo "# kernel $(uname -r); $(swanctl --version 2>/dev/null | grep -v "^plugin")"
t_setup=$EPOCHREALTIME
topo_setup || { echo "not ok - topology setup ($(elapsed "$t_setup") s)"; exit 1; }
ok "topology ($(elapsed "$t_setup") s)"

# The MN at home, its HoA configured as mip6d does at home: on the home interface, /64,
# flagged as a home address.
x ip -n "$NS_MN" addr add "$MN_HOA/$PLEN" dev "$MN_IF" nodad home
spd "$NS_MN" "$MN_HOA" "$HA_ADDR" || exit 1
spd "$NS_HA" "$HA_ADDR" "$MN_HOA" || exit 1
topo_bg "$NS_HA" mh-ha "$PY" "$TOPO_DIR/mh.py" listen
topo_bg "$NS_MN" mh-mn "$PY" "$TOPO_DIR/mh.py" listen

check_start() {
	x charon_start "$NS_HA" ha "$TOP/swanctl/ha" && x charon_start "$NS_MN" mn "$TOP/swanctl/mn"
}
check_timed "charon on the HA and the MN, swanctl --load-all of ha/ and mn/ without error" check_start

# --- X.509 variant: ha-x509/ and mn-x509/ with certificates from make-test-certs.sh,
# loaded into the same charons (--load-all replaces the connections), then PSK again.
check_x509() {
	local certs=$TOPO_DIR/certs d
	x "$TOP/swanctl/make-test-certs.sh" "$certs" >/dev/null || return 1
	for d in ha mn; do
		cp -r "$certs/$d/." "$TOPO_DIR/$d/swanctl/"
		cp "$TOP/swanctl/$d-x509/swanctl.conf" "$TOPO_DIR/$d/swanctl/swanctl-x509.conf"
		x charon_swanctl "$d" --load-all --file "$TOPO_DIR/$d/swanctl/swanctl-x509.conf" \
			>"$TOPO_DIR/$d/load-x509.log" 2>&1 || return 1
		grep -iE "fail|error|invalid|unable" "$TOPO_DIR/$d/load-x509.log" && return 1
	done
	x initiate || return 1
	ike_is mn "$MN_HOA" "$HA_ADDR" || { describe mn; return 1; }
	describe mn
	grep -h "authentication of .* with ECDSA.* successful" "$(charon_log mn)" | sed 's/^/#   log: /'
	charon_swanctl mn --terminate --ike mip6-ha >>"$TOPO_DIR/terminate.log" 2>&1
	x wait_for 10 no_sas ha || return 1
	x charon_load ha && x charon_load mn
}
check_timed "X.509 variant (ha-x509/, mn-x509/, make-test-certs.sh): IKE SA and homereg reqid 1000000001" check_x509

# --- PSK variant, as shipped (the topology's addresses are the files' addresses).
check_psk_up() {
	local t0=$EPOCHREALTIME
	x initiate || return 1
	echo "# initiate returned after $(elapsed "$t0") s"
	local rc=0
	ike_is mn "$MN_HOA" "$HA_ADDR" && wait_for 10 ike_is ha "$HA_ADDR" "$MN_HOA" || rc=1
	describe mn
	describe ha
	return $rc
}
check_timed "PSK (ha/, mn/): MN initiates homereg at home, IKE SA HoA<->HA, CHILD_SA reqid 1000000001 on both" check_psk_up
check_timed "at home: BU/BA HoA<->HA travel in ESP (counters, no clear MH at $HA_IF)" mh_in_esp home 1
SPIS_HOME=$(spis mn)
INITS_HOME=$(ike_inits)

# --- Move to foreign1.  The HoA goes where mip6d puts it away from home: /128, home
# address flag, on its tunnel device mip6tnl0 (a dummy here; charon ignores it).  Without
# mip6d's tunnel, the lab routes the HoA to the CoA by hand (HA -> rt -> CoA).
check_move() {
	topo_move_mn foreign1 || return 1
	x topo_wait_mn_addr "$MN_COA_F1" 10 || return 1
	x ip -n "$NS_MN" -batch - <<EOF || return 1
link add mip6tnl0 type dummy
link set mip6tnl0 up
addr del $MN_HOA/$PLEN dev $MN_IF
addr add $MN_HOA/128 dev mip6tnl0 nodad home
EOF
	x topo_mn_forget_other_links || return 1
	x ip -n "$NS_HA" route add "$MN_HOA/128" via "$RT_HOME" dev "$HA_IF" || return 1
	x ip -n "$NS_RT" route add "$MN_HOA/128" via "$MN_COA_F1" dev "$RT_IF_F1" || return 1
	echo "# MN: kernel source for the HA now: $(ip -n "$NS_MN" -6 route get "$HA_ADDR" | grep -o 'src [^ ]*')"
}
check_timed "MN moves to foreign1 (CoA $MN_COA_F1, HoA/128 home on mip6tnl0)" check_move

# --- K=1: each side's transport-mode MIGRATE, old == new (HoA, HA), KMADDRESS = new IKE
# endpoints.  The MN first (it sends the BU), then the HA (it accepts the BU).
check_migrate() {
	local t0 t_mn t_ha
	x topo_ns "$NS_MN" "$PY" "$MIGRATE" send --expect-notify \
		--sel "$MN_HOA/128,$HA_ADDR/128" --dir out --proto 135 \
		--migrate "$MN_HOA,$HA_ADDR,$MN_HOA,$HA_ADDR,esp,transport,1000000001" \
		--kmaddress "$MN_COA_F1,$HA_ADDR" >"$TOPO_DIR/migrate-mn.log" 2>&1 || {
		cat "$TOPO_DIR/migrate-mn.log"
		return 1
	}
	t0=$EPOCHREALTIME
	x wait_for 10 ike_is mn "$MN_COA_F1" "$HA_ADDR" || { describe mn; return 1; }
	t_mn=$(elapsed "$t0")
	x topo_ns "$NS_HA" "$PY" "$MIGRATE" send --expect-notify \
		--sel "$HA_ADDR/128,$MN_HOA/128" --dir out --proto 135 \
		--migrate "$HA_ADDR,$MN_HOA,$HA_ADDR,$MN_HOA,esp,transport,1000000001" \
		--kmaddress "$HA_ADDR,$MN_COA_F1" >"$TOPO_DIR/migrate-ha.log" 2>&1 || {
		cat "$TOPO_DIR/migrate-ha.log"
		return 1
	}
	t0=$EPOCHREALTIME
	x wait_for 10 ike_is ha "$HA_ADDR" "$MN_COA_F1" || { describe ha; return 1; }
	t_ha=$(elapsed "$t0")
	echo "# MIGRATE acked -> list-sas shows the new endpoints: MN $t_mn s, HA $t_ha s" \
		"(polling every 0.1 s, one swanctl exec per poll)"
	grep -h "migrate" "$(charon_log mn)" "$(charon_log ha)" | sed 's/^/#   log: /'
	describe mn
	describe ha
}
check_timed "K=1: MIGRATE (HoA,HA)->(HoA,HA) + KMADDRESS (CoA,HA) on each side moves both IKE SAs" check_migrate

check_same_ike() {
	local now inits
	now=$(spis mn) # as listed by the last check
	inits=$(ike_inits)
	echo "# IKE SPIs at home $SPIS_HOME, now MN $now HA $(spis ha);" \
		"IKE_SA_INIT (MN initiated, HA responded): at home '$INITS_HOME', now '$inits'"
	[ "$now" = "$SPIS_HOME" ] && [ "$(spis ha)" = "$SPIS_HOME" ] && [ "$inits" = "$INITS_HOME" ]
}
check_timed "same IKE SA (SPIs) on both sides, no new IKE_SA_INIT in either log" check_same_ike
check_timed "away: BU/BA HoA<->HA still travel in ESP" mh_in_esp away 4

rekeyed() { ike_is mn "$MN_COA_F1" "$HA_ADDR" && [ "$(field "$(child_part "${LAST_SAS[mn]}")" spi-in)" != "$1" ]; }
check_rekey() {
	local before after
	before=$(field "$(child_part "${LAST_SAS[mn]}")" spi-in)
	x charon_swanctl mn --rekey --child homereg >>"$TOPO_DIR/rekey.log" 2>&1 || return 1
	x wait_for 15 rekeyed "$before" || return 1
	wait_for 10 ike_is ha "$HA_ADDR" "$MN_COA_F1"
	after=$(field "$(child_part "${LAST_SAS[mn]}")" spi-in)
	echo "# child rekeyed over the moved IKE SA: MN inbound SPI $before -> $after"
	describe mn
	describe ha
	[ "$(spis mn)" = "$SPIS_HOME" ] &&
		ip -n "$NS_MN" xfrm state list src "$MN_HOA" dst "$HA_ADDR" proto esp | grep -q "reqid 1000000001 "
}
check_timed "CREATE_CHILD_SA (homereg rekey) over the moved IKE SA, new SAs HoA-keyed, reqid 1000000001" check_rekey

# --- K=0 (explored, reported; only the last variant is asserted): the HA drops the IKE
# SA, the MN initiates a new one from the foreign link.  Which source does charon take?
k0_try() {
	# k0_try LABEL TAG TIMEOUT_S: terminate (HA, then whatever the MN has left), initiate from
	# the MN, report the endpoints and whether the HA's IKE responses reach the MN
	local label=$1 t0 t pcap=$TOPO_DIR/k0-$2.pcap
	charon_swanctl ha --terminate --ike mip6-mn1 --timeout 10 >>"$TOPO_DIR/terminate.log" 2>&1
	charon_swanctl mn --terminate --ike mip6-ha --force >>"$TOPO_DIR/terminate.log" 2>&1
	wait_for 10 no_sas mn
	topo_bg "$NS_MN" "tcpdump-k0-$2" tcpdump --immediate-mode -U -n -i "$MN_IF" -w "$pcap" udp port 500
	local tpid=$TOPO_LAST_PID
	wait_for 10 grep -q "listening on" "$TOPO_DIR/tcpdump-k0-$2.log"
	t0=$EPOCHREALTIME
	initiate "$3"
	t=$(sas_raw mn)
	K0_LOCAL=$(field "$t" local-host)
	kill -INT "$tpid"
	wait "$tpid" 2>/dev/null
	echo "# K=0 $label: kernel src for the HA: $(ip -n "$NS_MN" -6 route get "$HA_ADDR" | grep -o 'src [^ ]*');" \
		"charon's IKE SA: $(field "$t" state) ${K0_LOCAL:-none}<->$(field "$t" remote-host) (after $(elapsed "$t0") s);" \
		"at $MN_IF: $(tcpdump -n -r "$pcap" "src $HA_ADDR" 2>/dev/null | grep -c .) IKE packets from the HA," \
		"$(tcpdump -n -r "$pcap" "dst $HA_ADDR" 2>/dev/null | grep -c .) to it"
}
K0_LOCAL=
k0_try "local_addrs=%any, HoA flagged home on mip6tnl0 (ignored)" a 6
x ip -n "$NS_MN" -batch - <<EOF
addr del $MN_HOA/128 dev mip6tnl0
addr add $MN_HOA/128 dev mip6tnl0 nodad
EOF
k0_try "local_addrs=%any, HoA NOT flagged home, on mip6tnl0" b 6
# (Measured too: the HoA without the flag but on $MN_IF, the CoA's device: the kernel
# picks the HoA again, RFC 6724 rule 8, longest matching prefix with the HA.)
x ip -n "$NS_MN" -batch - <<EOF
addr del $MN_HOA/128 dev mip6tnl0
addr add $MN_HOA/128 dev mip6tnl0 nodad home
EOF

check_k0_local_addrs() {
	# What mip6d can do: load the connection through VICI (load-conn) with local_addrs =
	# the current CoA before initiating.
	local f=$TOPO_DIR/mn/swanctl/swanctl-coa.conf
	sed "s/^\([[:space:]]*local_addrs = \).*/\1$MN_COA_F1/" "$TOPO_DIR/mn/swanctl/swanctl.conf" >"$f"
	x charon_swanctl mn --load-conns --file "$f" >>"$TOPO_DIR/load-conns.log" 2>&1 || return 1
	k0_try "load-conn with local_addrs=$MN_COA_F1, HoA flagged home on mip6tnl0" d 20
	[ "$K0_LOCAL" = "$MN_COA_F1" ] && wait_for 10 has_sa ha "$HA_ADDR" "$MN_COA_F1"
}
check_timed "K=0: after load-conn with local_addrs = CoA, the new IKE SA runs CoA<->HA" check_k0_local_addrs
check_timed "K=0: BU/BA travel in ESP on the new SAs" mh_in_esp k0 7

for n in mn ha; do
	grep -hiE "unable|failed|error" "$(charon_log $n)" | sed -E 's/^[0-9:.]+ [0-9]+//; s/<[^>]*> //' |
		sort | uniq -c | sed "s/^/# $n log: /"
done
echo "# $((ntests - fails)) of $ntests checks passed"
[ "$fails" = 0 ]
