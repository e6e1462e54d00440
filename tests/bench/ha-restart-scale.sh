#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 3000
#
# ha-restart-scale: the HA's cost per new registration as the binding cache grows, and its
# restart-to-READY time with NonVolatileBindingCache, at 1,000, 5,000 and 10,000 bindings
# (issue 11 item 6). Not a CI scenario (10,000 registrations take minutes under TCG).
# For each stage (HA_RS_STAGES, default "1000 5000 10000"), the generator (tests/bench/bu-flood,
# on the CN, one CoA) registers the stage's new HoAs at HA_RS_RATE a second (default 100),
# again (seq + 1) to those not yet valid, until the HA holds all; reported per stage: the HA's
# CPU (utime + stime from /proc/PID/stat) per new registration in the first round and for the
# whole stage, the wall time and rounds. Then the HA is stopped (SIGTERM; time to exit) and
# started again: the daemon's own start-to-READY time from its log ("home agent ready: ...
# N binding(s) restored, X ms after start"), and all N bindings must be back.
# Run it on a VM kernel (MIP6_VM_KERNEL=6.12 for the other) from a built tree:
#   ln -s ../../bench/ha-restart-scale.sh tests/vm/scenarios/ &&
#     MIP6_BUILDDIR=$PWD/build tests/vm/run ha-restart-scale; rm tests/vm/scenarios/ha-restart-scale.sh
# Takes about 10-25 minutes under TCG on a loaded 2-core host (results: doc/architecture.md, "Measured").

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

STAGES=${HA_RS_STAGES:-1000 5000 10000}
RATE=${HA_RS_RATE:-100}
BUFLOOD=$(dirname "$MIP6D")/../tests/bench/bu-flood
[ -x "$BUFLOOD" ] || { echo "not ok - no $BUFLOOD (make check builds it)"; exit 1; }

topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
export STATE_DIRECTORY=$TOPO_DIR/state
mkdir -p "$STATE_DIRECTORY"
HA_CONF="NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindings 20000;
HaMaxBindingLife 3600;
NonVolatileBindingCache enabled;"
ha_name=ha0
ha_ready() { grep -q 'home agent ready:' "$TOPO_DIR/$ha_name.log"; }
MIP6_DEBUG=0 mip6_start "$NS_HA" "$ha_name" "$HA_CONF" || exit 1
wait_for 30 ha_ready || { not_ok "HA ready"; exit 1; }
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${MIP6_PID[$ha_name]}/stat"; }
valid() { mip6_json "$ha_name" status | sed -n 's/.*"bindings":\([0-9]*\).*/\1/p'; }
have() { [ "$(valid)" -ge "$1" ]; }
per_reg_us() { [ "$2" -gt 0 ] && echo $(($1 * 1000000 / hz / $2)) || echo "-"; }

prev=0
for target in $STAGES; do
	n=$((target - prev))
	c0=$(cpu_ticks) t0=$(now_us) v0=$(valid) r=0 first=
	while [ "$r" -lt 20 ]; do
		topo_ns "$NS_CN" "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: $((4096 + prev)) "$n" "$RATE" 3600 $((7 + r)) >/dev/null
		r=$((r + 1))
		wait_for 20 have "$target"
		st=$?
		if [ -z "$first" ]; then
			first="$(per_reg_us $(($(cpu_ticks) - c0)) $(($(valid) - v0))) us of HA CPU per registration in round 1 ($(($(valid) - v0)) of $n)"
		fi
		[ "$st" = 0 ] && break
	done
	t1=$(now_us) c1=$(cpu_ticks)
	check "stage $target: all $target bindings valid ($(valid))" have "$target"
	echo "# N=$prev..$target: $first; stage: $n registrations in $(((t1 - t0) / 1000)) ms, $r round(s), $(per_reg_us $((c1 - c0)) "$n") us of HA CPU per registration (resends included)"
	# Restart: SIGTERM (persistence on: the kernel state stays), a new instance restores.
	t0=$(now_us)
	mip6_stop "$ha_name" || not_ok "stage $target: the HA exits within 10 s of SIGTERM"
	t1=$(now_us)
	ha_name=ha$target
	MIP6_DEBUG=0 mip6_start "$NS_HA" "$ha_name" "$HA_CONF" || { not_ok "stage $target: the HA starts again"; exit 1; }
	wait_for 120 ha_ready || { not_ok "stage $target: the HA ready again"; exit 1; }
	t2=$(now_us)
	check "stage $target: all $target bindings restored ($(valid))" have "$target"
	echo "# restart with $target bindings: SIGTERM to exit $(((t1 - t0) / 1000)) ms; start to READY=1 $(sed -n 's/.*restored, \([0-9]*\) ms after start.*/\1/p' "$TOPO_DIR/$ha_name.log") ms (the daemon's log), $(((t2 - t1) / 1000)) ms seen by the script; $(grep -o "(read in [0-9]* ms)" "$TOPO_DIR/$ha_name.log"); $(grep -o "reconciled with the kernel: .*" "$TOPO_DIR/$ha_name.log")"
	prev=$target
done
mip6_stop "$ha_name"
[ "$fails" = 0 ]
