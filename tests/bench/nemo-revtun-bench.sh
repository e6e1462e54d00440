#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 600
#
# A benchmark, not a CI scenario: the per-binding cost of the reverse-tunnel source check
# extended to NEMO mobile network prefixes (RFC 3963 §6.4, src/ha/ha-nemo.h), on the kernel
# alone, no mip6d. Runs on any kernel with tc flower (root, two network namespaces); for a
# VM kernel link it into tests/vm/scenarios/ as revtun-bench.sh says. Knobs: NEMO_N
# bindings (default 2000), NEMO_K packets per run, NEMO_R runs (the best is reported).
# Layout as mip6d installs it, all in prio 1 of mip6tnl0's ingress: per binding one filter
# enc_src_ip CoA src_ip HoA/128, per mobile router one more, enc_src_ip CoA src_ip MNP/48
# (a second flower mask). Checked: a packet from the MNP passes from the router's CoA and
# is dropped from another; measured: install time per MNP filter, and the packet path
# (passed) for a host's HoA and for a host in the MNP, with N HoA filters alone and with
# N HoA + N MNP filters, to see what the second mask costs per packet.

# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../vm/lib/tap.sh" 2>/dev/null || . "$(dirname "$0")/../lib/tap.sh"

A=nrb-ha-$$ B=nrb-mr-$$
cleanup() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; rm -f /tmp/nemo-add.$$ /tmp/nemo-mnp.$$; }
trap cleanup EXIT
HA=2001:db8:2::10 COA=2001:db8:2::20 EVIL=2001:db8:2::21
HOA=2001:db8:1::5 HOST=2001:db8:10:1::2 SINK=2001:db8:7::1
N=${NEMO_N:-2000} K=${NEMO_K:-4000} R=${NEMO_R:-5}
hex() { printf '%x' "$1"; }

ip netns add "$A"; ip netns add "$B"
ip -n "$A" link add va type veth peer name vb netns "$B"
ip -n "$A" -batch - <<EOT
link set lo up
link set va up
addr add $HA/64 dev va nodad
link add mip6tnl0 type ip6tnl external
link set mip6tnl0 up
route add blackhole $SINK/64
EOT
ip netns exec "$A" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$B" -batch - <<EOT
link set lo up
link set vb up
addr add $COA/64 dev vb nodad
addr add $EVIL/64 dev vb nodad
link add t1 type ip6tnl mode ip6ip6 local $COA remote $HA
link add t2 type ip6tnl mode ip6ip6 local $EVIL remote $HA
link set t1 addrgenmode none
link set t2 addrgenmode none
link set t1 up
link set t2 up
addr add $HOA/128 dev lo
addr add $HOST/128 dev lo
EOT

send_udp() { # VIA SRC COUNT [RUNS]: prints the best time in µs
	ip -n "$B" route replace $SINK/64 dev "$1" || return 1
	ip netns exec "$B" /usr/bin/python3 - "$2" "$3" "$SINK" "${4:-1}" <<'PY'
import socket, sys, time
src, n, dst, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((src, 0))
best = None
for _ in range(runs):
    t = time.monotonic_ns()
    for _ in range(n):
        s.sendto(b'x' * 64, (dst, 9))
    d = (time.monotonic_ns() - t) // 1000
    best = d if best is None else min(best, d)
print(best)
PY
}
drops() { tc -n "$A" -s filter show dev mip6tnl0 ingress pref 2 | sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -n1; }

x tc -n "$A" qdisc add dev mip6tnl0 clsact || exit 1
x tc -n "$A" filter add dev mip6tnl0 ingress pref 2 handle 1 protocol all flower action drop || exit 1
{
	echo "filter add dev mip6tnl0 ingress pref 1 handle 1 protocol ipv6 flower enc_src_ip $COA src_ip $HOA"
	for i in $(seq 2 "$N"); do
		echo "filter add dev mip6tnl0 ingress pref 1 handle $i protocol ipv6 flower enc_src_ip 2001:db8:3::$(hex "$i") src_ip 2001:db8:1::1:$(hex "$i")"
	done
} >/tmp/nemo-add.$$
{
	echo "filter add dev mip6tnl0 ingress pref 1 handle $((N + 1)) protocol ipv6 flower enc_src_ip $COA src_ip 2001:db8:10::/48"
	for i in $(seq 2 "$N"); do
		echo "filter add dev mip6tnl0 ingress pref 1 handle $((N + i)) protocol ipv6 flower enc_src_ip 2001:db8:3::$(hex "$i") src_ip 2001:db8:$(hex $((0x1000 + i)))::/48"
	done
} >/tmp/nemo-mnp.$$
x tc -n "$A" -batch /tmp/nemo-add.$$ || exit 1
h1=$(send_udp t1 $HOA "$K" "$R")
echo "# $N HoA filters (one mask): a HoA's packet passes in $((h1 * 1000 / K)) ns/pkt"
t0=$(now_us)
x tc -n "$A" -batch /tmp/nemo-mnp.$$ || exit 1
t1=$(now_us)
echo "# $N MNP filters (/48, a second mask) installed: $(((t1 - t0) / N)) us per MNP filter"
d0=$(drops); send_udp t1 $HOST 10 >/dev/null; d1=$(drops)
check "MNP source from the router's CoA passes (drops $d0 -> $d1)" test "$d1" = "$d0"
send_udp t2 $HOST 10 >/dev/null; d2=$(drops)
check "MNP source from another outer source: 10 dropped (drops $d1 -> $d2)" test "$d2" = $((d1 + 10))
h2=$(send_udp t1 $HOA "$K" "$R"); m2=$(send_udp t1 $HOST "$K" "$R"); e2=$(send_udp t2 $HOST "$K" "$R")
echo "# $N HoA + $N MNP filters: a HoA's packet passes in $((h2 * 1000 / K)) ns/pkt, an MNP host's in $((m2 * 1000 / K)) ns/pkt, a forged MNP source is dropped in $((e2 * 1000 / K)) ns/pkt"
echo "# kernel $(uname -r), best of $R runs of $K packets"
check "the HoA path within 3x with the second mask (${h2} vs ${h1} us)" test "$h2" -lt $((h1 * 3))
[ "$fails" = 0 ]
