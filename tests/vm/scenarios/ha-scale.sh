#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 300
#
# ha-scale: the home agent with many bindings (a benchmark; asserts only generous bounds).
# Asserted: all N registrations and refreshes complete; exactly one route and one proxy entry
# per binding (the sets of HoAs in the binding cache, the routes and the proxy entries are
# equal, none twice); no MH message dropped (mip6d's drop counters and the kernel's drop
# count of the raw MH socket are 0); after SIGTERM no route and no proxy entry is left.
# 1. Tunnel design: kernel time per binding at N=1000 for one ip6tnl device per CoA (device +
#    route) against one flow-based `external` device with a per-HoA `encap ip6` route.
# 2. mip6d as HA: a generator (tests/bench/bu-flood) on the CN sends N home registrations with
#    distinct HoAs; measured: time until all N bindings are valid, registrations/s, the HA's CPU
#    per registration, then the same for N refreshes, and the kernel state per binding.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

N=${HA_SCALE_N:-1000}
BUFLOOD=$(dirname "$MIP6D")/../tests/bench/bu-flood
hex() { printf '%x' "$1"; }

# --- 1. tunnel design, measured on the kernel alone --------------------------------------
bench_ns=tb-$$
ip netns add "$bench_ns"
topo_at_exit ip netns del "$bench_ns"
ip -n "$bench_ns" -batch - <<EOF
link set lo up
link add d0 type dummy
link set d0 up
addr add 2001:db8:ff::1/64 dev d0 nodad
EOF
{
	for i in $(seq 1 "$N"); do
		echo "link add t$i type ip6tnl mode ip6ip6 local 2001:db8:ff::1 remote 2001:db8:2::$(hex "$i")"
		echo "link set t$i up"
		echo "route add 2001:db8:1::$(hex $((0x1000 + i)))/128 dev t$i"
	done
} >"$TOPO_DIR/per-coa.batch"
t0=$(now_us)
ip -6 -n "$bench_ns" -batch "$TOPO_DIR/per-coa.batch" || not_ok "per-CoA tunnels created"
t1=$(now_us)
per_coa_us=$(((t1 - t0) / N))
# Tear down: deleting N devices is part of the cost too.
t2=$(now_us)
for i in $(seq 1 "$N"); do echo "link del t$i"; done | ip -n "$bench_ns" -batch -
t3=$(now_us)
ip -n "$bench_ns" -batch - <<EOF
link add mip6tnl0 type ip6tnl external
link set mip6tnl0 up
EOF
for i in $(seq 1 "$N"); do
	echo "route add 2001:db8:1::$(hex $((0x1000 + i)))/128 encap ip6 dst 2001:db8:2::$(hex "$i") src 2001:db8:ff::1 dev mip6tnl0"
done >"$TOPO_DIR/flow.batch"
t4=$(now_us)
ip -6 -n "$bench_ns" -batch "$TOPO_DIR/flow.batch" || not_ok "flow-based routes created"
t5=$(now_us)
flow_us=$(((t5 - t4) / N))
echo "# tunnel design at N=$N: per-CoA ip6tnl: 3 kernel ops and ${per_coa_us} us per binding to set up, $(((t3 - t2) / N)) us to delete; flow-based external device: 1 kernel op and ${flow_us} us per binding"
n_links=$(ip -n "$bench_ns" -o link | awk -F': ' '{ printf "%s%s", n++ ? " " : "", $2 }')
n_flow=$(ip -6 -n "$bench_ns" route show | grep -c ' encap ip6 ')
left_tnl=$(ip -n "$bench_ns" -o link | grep -c ': t[0-9]*@')
check "tunnel design measured (per-CoA ${per_coa_us} us/binding, flow-based ${flow_us} us/binding; links left: $n_links): $n_flow encap routes, $left_tnl per-CoA devices left" \
	test "$n_flow" = "$N" -a "$left_tnl" = 0

# --- 2. mip6d as HA under N registrations ---------------------------------------------------
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindingLife 3600;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -q 'binding(s)$'" || { not_ok "HA ready"; exit 1; }
pid=${MIP6_PID[ha]}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
bc_count() { mip6_json ha bc | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
# A registration is complete when its BA left, i.e. after the kernel acknowledged its state.
bas_accepted() { mip6_json ha counters | grep -q "\"ba_status_out\":{\"0\":$1[,}]"; }
hz=$(getconf CLK_TCK)

c0=$(cpu_ticks "$pid")
t0=$(now_us)
topo_ns "$NS_CN" "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: 4096 "$N" 0 1200 1 | sed 's/^/# /'
if wait_for 120 bas_accepted "$N"; then
	t1=$(now_us)
	c1=$(cpu_ticks "$pid")
	ms=$(((t1 - t0) / 1000))
	echo "# $N new registrations in ${ms} ms ($((N * 1000 / (ms > 0 ? ms : 1)))/s), HA CPU $(((c1 - c0) * 1000000 / hz / N)) us per registration (incl. a 100 ms DAD each, run concurrently)"
	ok "$N bindings registered"
else
	not_ok "$N bindings registered (only $(bc_count) in the cache; $(mip6_json ha counters | grep -o '"ba_status_out":{[^}]*}'))"
fi
# The HoAs of the valid bindings, of mip6d's routes (proto 16) and of the proxy entries, one a
# line, sorted with duplicates kept: "exactly one of each per binding" is equality of the three.
bc_hoas() {
	mip6_json ha bc | "$PY" -c 'import json, sys
for b in json.load(sys.stdin)["bindings"]:
    if b["state"] == "valid": print(b["hoa"])' | sort
}
route_hoas() { ip -n "$NS_HA" -6 route show proto 16 | awk '{ sub("/128$", "", $1); print $1 }' | sort; }
proxy_hoas() { ip -n "$NS_HA" -6 neigh show proxy | awk '{ print $1 }' | sort; }
one_each() {
	bc_hoas >"$TOPO_DIR/hoas.bc" && route_hoas >"$TOPO_DIR/hoas.route" && proxy_hoas >"$TOPO_DIR/hoas.proxy"
	[ "$(wc -l <"$TOPO_DIR/hoas.bc")" = "$N" ] && [ -z "$(uniq -d "$TOPO_DIR/hoas.bc")" ] &&
		cmp -s "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.route" && cmp -s "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.proxy"
}
one_each_report() {
	one_each && return 0
	echo "# bindings $(wc -l <"$TOPO_DIR/hoas.bc"), routes $(wc -l <"$TOPO_DIR/hoas.route"), proxy entries $(wc -l <"$TOPO_DIR/hoas.proxy")"
	diff "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.route" | head -5 | sed 's/^/#   bc vs routes: /'
	diff "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.proxy" | head -5 | sed 's/^/#   bc vs proxies: /'
	return 1
}
echo "# kernel state on the HA: $(route_hoas | wc -l) binding routes, $(proxy_hoas | wc -l) proxy entries, $(ip -n "$NS_HA" -o link | wc -l) links"
check "exactly one route and one proxy entry per binding, for each of the $N HoAs" one_each_report

c0=$(cpu_ticks "$pid")
t0=$(now_us)
topo_ns "$NS_CN" "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: 4096 "$N" 0 1200 2 | sed 's/^/# /'
if wait_for 60 bas_accepted $((2 * N)); then
	t1=$(now_us)
	c1=$(cpu_ticks "$pid")
	ms=$(((t1 - t0) / 1000))
	echo "# $N refreshes in ${ms} ms ($((N * 1000 / (ms > 0 ? ms : 1)))/s), HA CPU $(((c1 - c0) * 1000000 / hz / N)) us per refresh"
	ok "$N refreshes accepted"
else
	not_ok "$N refreshes accepted"
fi
check "after the refreshes: still exactly one route and one proxy entry per binding" one_each_report

# Drops: every reason mip6d counts, and the kernel's count for the raw MH socket(s) (protocol
# 135 = port 0087 in /proc/net/raw6; the last column is the socket's drop count).
mip6_drops() { mip6_json ha counters | "$PY" -c 'import json, sys; print(sum(json.load(sys.stdin)["drops"].values()))'; }
mh_sock_drops() { topo_ns "$NS_HA" awk 'NR > 1 && $2 ~ /:0087$/ { n++; s += $NF } END { print n ? s : "none" }' /proc/net/raw6; }
d_mip6=$(mip6_drops)
d_kernel=$(mh_sock_drops)
echo "# MH drops: mip6d $d_mip6 ($(mip6_json ha counters | grep -o '"drops":{[^}]*}')), kernel (raw MH socket) $d_kernel"
check "no MH message dropped: mip6d counted $d_mip6, the kernel's MH socket $d_kernel" test "$d_mip6" = 0 -a "$d_kernel" = 0

mip6_stop ha || not_ok "HA stops within 10 s with $N bindings"
left=$(route_hoas | wc -l)
left_proxy=$(proxy_hoas | wc -l)
check "after SIGTERM: no route left ($left) and no proxy entry left ($left_proxy)" test "$left" = 0 -a "$left_proxy" = 0
[ "$fails" = 0 ]
