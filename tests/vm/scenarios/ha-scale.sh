#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 300
#
# ha-scale: the home agent with many bindings (a benchmark; asserts only generous bounds).
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
fails=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	fails=$((fails + 1))
}
now_us() { echo "${EPOCHREALTIME//[.,]/}"; }
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
n_links=$(ip -n "$bench_ns" -o link | wc -l)
ok "tunnel design measured (per-CoA ${per_coa_us} us/binding, flow-based ${flow_us} us/binding; $n_links links left with the flow-based design)"

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
routes=$(ip -n "$NS_HA" -6 route show proto 16 | wc -l)
proxies=$(ip -n "$NS_HA" -6 neigh show proxy | wc -l)
echo "# kernel state on the HA: $routes binding routes, $proxies proxy entries, $(ip -n "$NS_HA" -o link | wc -l) links"
[ "$routes" -ge "$N" ] && [ "$proxies" -ge "$N" ] && ok "one route and one proxy entry per binding" ||
	not_ok "one route and one proxy entry per binding ($routes routes, $proxies proxies)"

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
drops=$(mip6_json ha counters | grep -o '"truncated":[0-9]*')
echo "# MH socket drops: $drops"
mip6_stop ha || not_ok "HA stops within 10 s with $N bindings"
left=$(ip -n "$NS_HA" -6 route show proto 16 | wc -l)
[ "$left" = 0 ] && ok "HA removed its $N routes on SIGTERM" || not_ok "HA left $left routes behind"
[ "$fails" = 0 ]
