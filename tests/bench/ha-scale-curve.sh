#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 7200
#
# ha-scale-curve: the home agent's cost as the binding cache grows (issue 14 item 2), run
# in the VM by tests/bench/scale-curve.sh (not a CI scenario). Every mobile node has its own
# care-of address: the generator (tests/bench/bu-scale, in the CN's namespace) sends from
# 2001:db8:c0a::i, a /64 the router routes to the CN and the CN does not hold (IPV6_FREEBIND
# to send, a packet socket to see the BAs), and registers HoA 2001:db8:1::i.
# For each stage N of CURVE_STAGES (default "1000 10000"; 100000 needs MIP6_VM_MEM=2G):
#   register   the stage's new nodes, at most CURVE_WINDOW (64) BUs outstanding: registrations
#              a second, BA latency percentiles under that load, the HA's CPU per registration
#              (/proc/PID/schedstat: time on CPU in ns);
#   reg-idle   CURVE_PROBE (20) more, one at a time: BA latency at low load (DAD included);
#   refresh    CURVE_REFRESH (2000) existing nodes (or all when fewer) refresh, window as above:
#              refreshes a second, latency, the HA's CPU per refresh;
#   ref-idle   CURVE_PROBE refreshes one at a time;
#   then the HA's RSS and the kernel's objects: routes, proxy entries (none since the HA answers
#   NSs itself), reverse-tunnel filters,
#   and the guest's slab memory, each per binding.
# One "CURVE n=N key=value..." line per stage; tests/bench/report.py turns them into a table
# and plots. The home link's RetransTimer is CURVE_RETRANS_MS (100 ms): the HA's DAD for a new
# HoA waits that long (RFC 4862 §5.4 with DupAddrDetectTransmits 1).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

STAGES=${CURVE_STAGES:-1000 10000}
WINDOW=${CURVE_WINDOW:-64}
PROBE=${CURVE_PROBE:-20}
REFRESH=${CURVE_REFRESH:-2000}
RETRANS=${CURVE_RETRANS_MS:-100}
COA_PFX=2001:db8:c0a::
BUSCALE=$(dirname "$MIP6D")/../tests/bench/bu-scale
[ -x "$BUSCALE" ] || { echo "not ok - no $BUSCALE (make builds it)"; exit 1; }

topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=$RETRANS"
# The CoAs: routed to the CN, which drops them after the generator's capture (not local there).
ip -n "$NS_RT" -6 route add "$COA_PFX/64" via "$CN_ADDR" || { not_ok "route for the CoA prefix"; exit 1; }
ip -n "$NS_CN" -6 route add blackhole "$COA_PFX/64" || { not_ok "blackhole for the CoA prefix"; exit 1; }
maxn=0
for n in $STAGES; do [ "$n" -gt "$maxn" ] && maxn=$n; done
HA_CONF="NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindings $((maxn + 10 * PROBE + 1000));
HaMaxRegistrationsPerSec 1000000;
HaMaxBindingLife 7200;"
MIP6_DEBUG=0 mip6_start "$NS_HA" ha "$HA_CONF" || exit 1
ha_ready() { grep -q 'home agent ready:' "$TOPO_DIR/ha.log"; }
wait_for 30 ha_ready || { not_ok "HA ready"; exit 1; }
pid=${MIP6_PID[ha]}
cpu_ns() { awk '{ print $1 }' "/proc/$pid/schedstat"; }
hz=$(getconf CLK_TCK)
user_sys() { awk '{ print $14, $15 }' "/proc/$pid/stat"; } # clock ticks in user and kernel mode
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status"; }
slab_kib() { awk '$1 == "Slab:" { print $2 }' /proc/meminfo; }
valid() { mip6_json ha status | sed -n 's/.*"bindings":\([0-9]*\).*/\1/p'; }
routes() { ip -n "$NS_HA" -6 route show proto 16 | wc -l; }
proxies() { ip -n "$NS_HA" -6 neigh show proxy | grep -vc '^fe80'; }
filters() { tc -n "$NS_HA" filter show dev mip6tnl0 ingress pref 1 | grep -c ' handle '; }
echo "# settings: RetransTimer ${RETRANS} ms on the home link, window $WINDOW, probes $PROBE, refresh sample $REFRESH, kernel $(uname -r), $(nproc) vCPU, $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) KiB"

# gen NAME FIRST COUNT WINDOW SEQ: one bu-scale run; its BUSCALE line's fields become NAME_key
# variables; the HA's CPU over the run becomes NAME_cpu_us (per answered BU).
gen() {
	local name=$1 first=$2 count=$3 win=$4 seq=$5 c0 line kv u0 s0 u1 s1
	c0=$(cpu_ns)
	read -r u0 s0 < <(user_sys)
	line=$(topo_ns "$NS_CN" "$BUSCALE" "$CN_IF" "$COA_PFX" "$HA_ADDR" "$HOME_PFX" "$first" "$count" "$win" "$seq" 7200 2000 5)
	local rc=$?
	echo "# $name: $line"
	[ -n "$line" ] || return 1
	for kv in ${line#BUSCALE }; do
		printf -v "${name}_${kv%%=*}" '%s' "${kv#*=}"
	done
	local acc=${name}_accepted
	printf -v "${name}_cpu_us" '%s' $((${!acc} > 0 ? ($(cpu_ns) - c0) / 1000 / ${!acc} : 0))
	read -r u1 s1 < <(user_sys)
	# The split between the daemon's own code and the kernel's work in its system calls.
	printf -v "${name}_user_us" '%s' $((${!acc} > 0 ? (u1 - u0) * 1000000 / hz / ${!acc} : 0))
	printf -v "${name}_sys_us" '%s' $((${!acc} > 0 ? (s1 - s0) * 1000000 / hz / ${!acc} : 0))
	return $rc
}

prev=0 stage=0 slab0=$(slab_kib)
for n in $STAGES; do
	stage=$((stage + 1))
	bulk=$((n - prev - PROBE))
	[ "$bulk" -gt 0 ] || { not_ok "stage $n: larger than the previous stage plus $PROBE"; exit 1; }
	gen reg $((4096 + prev)) "$bulk" "$WINDOW" 1 || not_ok "stage $n: every registration answered"
	gen regidle $((4096 + n - PROBE)) "$PROBE" 1 1 || not_ok "stage $n: every low-load registration answered"
	r=$((n < REFRESH ? n : REFRESH))
	gen ref 4096 "$r" "$WINDOW" $((100 * stage)) || not_ok "stage $n: every refresh answered"
	gen refidle 4096 "$PROBE" 1 $((100 * stage + 50)) || not_ok "stage $n: every low-load refresh answered"
	echo "# HA counters after stage $n: $(mip6_json ha counters | tr -d '\n' | cut -c1-1500)"
	v=$(valid) rt=$(routes) px=$(proxies) fl=$(filters) rss=$(rss_kib) slab=$(slab_kib)
	check "stage $n: $n bindings valid ($v)" [ "$v" = "$n" ]
	check "stage $n: one route and one reverse-tunnel filter per binding, no proxy entry ($rt, $px, $fl)" \
		[ "$rt:$px:$fl" = "$n:0:$n" ]
	# shellcheck disable=SC2154 # reg_*, ref_*, ... come from gen
	echo "CURVE n=$n reg_per_s=$reg_per_s reg_cpu_us=$reg_cpu_us reg_user_us=$reg_user_us reg_sys_us=$reg_sys_us reg_p50=$reg_lat_ms_p50 reg_p90=$reg_lat_ms_p90" \
		"reg_p99=$reg_lat_ms_p99 reg_max=$reg_lat_ms_max reg_resent=$reg_resent regidle_p50=$regidle_lat_ms_p50" \
		"regidle_max=$regidle_lat_ms_max ref_n=$r ref_per_s=$ref_per_s ref_cpu_us=$ref_cpu_us ref_user_us=$ref_user_us ref_sys_us=$ref_sys_us ref_p50=$ref_lat_ms_p50" \
		"ref_p90=$ref_lat_ms_p90 ref_p99=$ref_lat_ms_p99 ref_max=$ref_lat_ms_max refidle_p50=$refidle_lat_ms_p50" \
		"refidle_max=$refidle_lat_ms_max rss_kib=$rss routes=$rt proxies=$px filters=$fl" \
		"slab_kib_per_binding=$(awk -v a="$slab" -v b="$slab0" -v n="$n" 'BEGIN { printf "%.2f", (a - b) / n }')"
	prev=$n
done
mip6_stop ha
[ "$fails" = 0 ]
