#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-timeout: 600
# vm-smp: 2
#
# ha-scale: the home agent with many bindings (a benchmark; asserts only generous bounds).
# Asserted: all N registrations and refreshes complete; exactly one route per binding (the sets
# of HoAs in the binding cache and the routes are equal, none twice) and no proxy neighbour entry
# (the HA answers NSs itself, RFC 6275 §10.4.1); every BU is answered or counted as dropped, and only for want of room
# (socket-overflow, new-registration-backlog) or as superseded under DAD; after SIGTERM (within 10 s) no route and no
# proxy entry is left.
# 1. Tunnel design: kernel time per binding at N=1000 for one ip6tnl device per CoA (device +
#    route) against one flow-based `external` device with a per-HoA `encap ip6` route.
# 2. mip6d as HA: a generator (tests/bench/bu-flood) on the CN sends N home registrations with
#    distinct HoAs; measured: time until all N bindings are valid, registrations/s, the HA's CPU
#    per registration, then the same for N refreshes, and the kernel state per binding. The
#    generator does not wait for BAs: it sends at REG_RATE a second (about what the HA installs
#    on this VM); what the HA cannot take in time is dropped and counted, and, like an MN
#    retransmitting, the generator sends again (seq + 1) until all are in.
# 3. The flood (issue 10 item 5): FLOOD BUs (HA_SCALE_FLOOD, 20,000 by default) from distinct new
#    HoAs, as fast as the generator sends, while a legitimate MN (lifetime 4 s, so it refreshes
#    every 3 s) registers, moves and refreshes. The VM has two vCPUs ("vm-smp: 2"): the HA is
#    pinned to CPU 0, the generator to CPU 1 at the same priority (a flood's senders are other
#    machines: the generator must not take the HA's CPU, nor be held back by it; the path from
#    the generator to the HA's socket, veths, bridges and the router, runs in the generator's
#    softirq on CPU 1). Asserted: each BU the MN sent while the generator ran (at least 3) got
#    its BA 0 before its next BU and within 1 s (its own log: BU sent -> BA received); BUs sent
#    (generator + the MN's whole life, counted from a mark taken before it started) == BAs sent
#    + drops by reason (socket overflow included) + the BUs the kernel dropped before the HA's
#    socket (lib/kdrops.py: the per-CPU backlog, the devices, IPv6 and XFRM input; printed, and
#    0 when the HA accounts for every BU itself); the new-registration backlog engaged; the
#    HA's RSS stays under RSS at start + HaMaxBindings x 16 KiB; the HA answers `mip6ctl
#    counters` throughout. tests/bench/ha-flood.sh runs it with 20,000 (not in CI).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

N=${HA_SCALE_N:-1000}
REG_RATE=${HA_SCALE_REG_RATE:-60}
# Refreshes at 200/s: as fast as the generator can, the 128 KiB MH queue overflows at the same
# places of every round on the TCG VM (counted, but the same few HoAs never got through).
REFRESH_RATE=${HA_SCALE_REFRESH_RATE:-200}
FLOOD=${HA_SCALE_FLOOD:-20000}
MAXB=${HA_SCALE_MAX_BINDINGS:-4000}
# The generator on CPU 1, the HA on CPU 0 (below): the VM has two vCPUs (vm-smp above).
BUFLOOD=$(dirname "$MIP6D")/../tests/bench/bu-flood
NCPU=$(nproc)
echo "# $NCPU CPUs online ($(cat /sys/devices/system/cpu/online))"
check "the VM has two CPUs, one for the HA and one for the generator" test "$NCPU" -ge 2 || exit 1
# CPU 0 is the HA's alone: this shell and all it starts (radvd, the MN, the generator, the
# pollers: the other machines) run on CPU 1; the HA is moved to CPU 0 once started.
taskset -p -c 1 $$ >/dev/null || not_ok "the scenario pinned to CPU 1"
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
# No debug lines: a flood of them (one write each, to a file on the host) costs more than the BUs.
MIP6_DEBUG=0 mip6_start "$NS_HA" ha "NodeConfig HA;
Interface \"$HA_IF\";
UseMnHaIPsec disabled;
HaMaxBindings $MAXB;
HaMaxBindingLife 3600;" || exit 1
wait_for 10 sh -c "'$MIP6CTL' -s /run/mip6-ha.ctl status | grep -q 'binding(s)$'" || { not_ok "HA ready"; exit 1; }
pid=${MIP6_PID[ha]}
check "the HA pinned to CPU 0" taskset -a -p -c 0 "$pid" >/dev/null
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
bc_count() { mip6_json ha bc | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
hz=$(getconf CLK_TCK)
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
rss0=$(rss_kib "$pid")
# hc DAEMON KEY...: a number from its `mip6ctl --json counters` (0 when absent); hc_drops: the
# sum of the drop reasons of MH messages (not those of ND messages or tunnelled packets).
hc() { mip6_json "$1" counters | "$PY" -c 'import json, sys
o = json.load(sys.stdin)
for k in sys.argv[1:]: o = o.get(k, {}) if isinstance(o, dict) else {}
print(o if isinstance(o, int) else 0)' "${@:2}"; }
NOT_MH='("nd-socket-overflow", "not-served", "reverse-tunnel-source")'
hc_drops() { mip6_json ha counters | "$PY" -c 'import json, sys
print(sum(v for k, v in json.load(sys.stdin)["drops"].items() if k not in '"$NOT_MH"'))'; }
# valid_from SEQ: how many valid bindings of the generator's HoAs (2001:db8:1::1000 and on, see
# rounds) have sequence number >= SEQ.
valid_from() { mip6_json ha bc | "$PY" -c 'import json, re, sys
print(sum(1 for b in json.load(sys.stdin)["bindings"]
          if b["state"] == "valid" and b["seq"] >= int(sys.argv[1]) and re.fullmatch("2001:db8:1::1[0-9a-f]{3}", b["hoa"])))' "$1"; }
# accounted SENT: the HA answered or counted as dropped every BU it was sent since the mark.
mark() { ba_mark=$(hc ha out ba) drop_mark=$(hc_drops); }
accounted() { [ $(($(hc ha out ba) - ba_mark + $(hc_drops) - drop_mark)) -ge "$1" ]; }
# rounds SEQ RATE: the N BUs with SEQ, SEQ+1, ... at RATE a second (0: as fast as the generator
# can) until all N bindings hold one of them; prints the
# number of rounds and of BUs sent. Each round waits until the HA accounted for it (or 10 s: a
# socket overflow at a round's end is counted only with the next packet, SO_RXQ_OVFL).
rounds() {
	local seq=$1 rate=$2 r=0 sent=0 out n
	while [ "$r" -lt 40 ]; do
		mark
		out=$(topo_ns "$NS_CN" taskset -c 1 "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: 4096 "$N" "$rate" 1200 $((seq + r)))
		n=$(sed -n 's/^bu-flood: sent \([0-9]*\) .*/\1/p' <<<"$out")
		sent=$((sent + n)) r=$((r + 1))
		wait_for 10 accounted "$n" || echo "# round $r: the HA has not accounted for all $n BUs yet" >&2
		echo "# round $r: $n BUs, $(valid_from "$seq") valid; $(mip6_json ha status | tr -d ' \n' | grep -o '"under_dad.*' | tr -d '{}"'); drops $(mip6_json ha counters | grep -o '"socket-overflow":[0-9]*\|"new-registration-backlog":[0-9]*' | tr '\n' ' ')" >&2
		[ "$(valid_from "$seq")" = "$N" ] && break
	done
	echo "$r $sent"
}

c0=$(cpu_ticks "$pid")
t0=$(now_us)
read -r n_rounds n_sent < <(rounds 1 "$REG_RATE")
t1=$(now_us)
c1=$(cpu_ticks "$pid")
ms=$(((t1 - t0) / 1000))
echo "# $N new registrations in ${ms} ms ($((N * 1000 / (ms > 0 ? ms : 1)))/s; $n_rounds rounds, $n_sent BUs), HA CPU $(((c1 - c0) * 1000000 / hz / N)) us per registration (incl. a 100 ms DAD each, run concurrently, and the BUs dropped)"
check "$N bindings registered ($(valid_from 1) valid)" test "$(valid_from 1)" = "$N"
# The HoAs of the valid bindings and of mip6d's routes (proto 16), one a line, sorted with
# duplicates kept: "exactly one route per binding" is equality of the two. No proxy neighbour
# entry at all: the HA answers NSs for the HoAs itself (RFC 6275 §10.4.1, icmp6/ndproxy.h).
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
		cmp -s "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.route" && [ ! -s "$TOPO_DIR/hoas.proxy" ]
}
one_each_report() {
	one_each && return 0
	echo "# bindings $(wc -l <"$TOPO_DIR/hoas.bc"), routes $(wc -l <"$TOPO_DIR/hoas.route"), proxy entries $(wc -l <"$TOPO_DIR/hoas.proxy")"
	diff "$TOPO_DIR/hoas.bc" "$TOPO_DIR/hoas.route" | head -5 | sed 's/^/#   bc vs routes: /'
	head -5 "$TOPO_DIR/hoas.proxy" | sed 's/^/#   proxy entry: /'
	return 1
}
echo "# kernel state on the HA: $(route_hoas | wc -l) binding routes, $(proxy_hoas | wc -l) proxy entries, $(ip -n "$NS_HA" -o link | wc -l) links"
check "exactly one route per binding, for each of the $N HoAs, and no proxy entry" one_each_report

c0=$(cpu_ticks "$pid")
t0=$(now_us)
read -r n_rounds n_sent < <(rounds 100 "$REFRESH_RATE")
t1=$(now_us)
c1=$(cpu_ticks "$pid")
ms=$(((t1 - t0) / 1000))
echo "# $N refreshes in ${ms} ms ($((N * 1000 / (ms > 0 ? ms : 1)))/s; $n_rounds rounds, $n_sent BUs), HA CPU $(((c1 - c0) * 1000000 / hz / n_sent)) us per refresh"
check "$N refreshes accepted ($(valid_from 100) valid)" test "$(valid_from 100)" = "$N"
check "after the refreshes: still exactly one route per binding and no proxy entry" one_each_report

# Drops: only for want of room (the kernel's queue, the new-registration backlog); the kernel's
# count for the raw MH socket (protocol 135 = port 0087 in /proc/net/raw6, last column) is what
# mip6d counted as socket-overflow, or more (the growth is seen with the next packet).
mh_sock_drops() { topo_ns "$NS_HA" awk 'NR > 1 && $2 ~ /:0087$/ { n++; s += $NF } END { print n ? s : "none" }' /proc/net/raw6; }
other_drops() { mip6_json ha counters | "$PY" -c 'import json, sys
d = json.load(sys.stdin)["drops"]
print(sum(v for k, v in d.items() if k not in ("socket-overflow", "new-registration-backlog", "superseded-under-dad") + '"$NOT_MH"'))'; }
d_kernel=$(mh_sock_drops)
echo "# MH drops: mip6d $(mip6_json ha counters | grep -o '"drops":{[^}]*}'), kernel (raw MH socket) $d_kernel"
check "no MH message dropped but for want of room: $(other_drops) other; socket-overflow $(hc ha drops socket-overflow) <= kernel $d_kernel" \
	test "$(other_drops)" = 0 -a "$(hc ha drops socket-overflow)" -le "$d_kernel"

# --- 3. the flood, with a legitimate MN -------------------------------------------------
flood_phase() {
	local out t0 t1 cf0 cf1 sent answered dropped mnbu rssmax n_bu n_ok gen sampler poller log0 log1
	echo "# HA RSS: ${rss0} KiB at start, $(rss_kib "$pid") KiB with $N bindings (~$((($(rss_kib "$pid") - rss0) * 1024 / N)) B per binding)"
	# The accounting starts before the MN does, the HA idle: every BU from here on is either the
	# generator's (it prints how many) or the MN's (its log, counted once it has stopped). A
	# socket overflow the HA has not seen yet (counted with the next packet) is in the mark.
	mark
	drop_mark=$((drop_mark + $(mh_sock_drops) - $(hc ha drops socket-overflow)))
	"$PY" "$TOP/tests/vm/lib/kdrops.py" snap "$NS_CN" "$NS_SW" "+$NS_RT" "+$NS_HA" >"$TOPO_DIR/kdrops.0"
	mip6_start "$NS_MN" mn "NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 4;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}" || { not_ok "the legitimate MN starts"; return; }
	move_mn foreign1 || { not_ok "MN moves to foreign1"; return; }
	check "the legitimate MN registered from foreign1" \
		wait_for 20 bul_is "\"coa\":\"$MN_COA_F1\",\"state\":\"registered\"[^]]*\"last_status\":0"
	mn_bus() { grep -c 'BU sent:' "$TOPO_DIR/mn.log"; }
	mn_answered() { [ "$(grep -n 'BU sent:' "$TOPO_DIR/mn.log" | tail -n 1 | cut -d: -f1)" -lt \
		"$(grep -n 'BA received:' "$TOPO_DIR/mn.log" | tail -n 1 | cut -d: -f1)" ]; }
	# RSS ten times a second, read without a fork (a fork costs the VM CPU time).
	( while kill -0 "$pid" 2>/dev/null; do
		while read -r k v _; do [ "$k" = VmRSS: ] && echo "$v"; done <"/proc/$pid/status"; sleep 0.1
	done ) >"$TOPO_DIR/rss.log" 2>/dev/null &
	sampler=$!
	# The control socket answers throughout: one `counters` a second, each must carry "drops".
	( while kill -0 "$pid" 2>/dev/null; do mip6_json ha counters | grep -c '"drops":{' || echo 0; sleep 1; done ) >"$TOPO_DIR/ctl.log" 2>/dev/null &
	poller=$!
	# How far new registrations are behind, twice a second (mip6ctl status: under_dad, backlog, netlink).
	( while kill -0 "$pid" 2>/dev/null; do mip6_json ha status | tr -d ' \n' | grep -o '"under_dad.*' | tr -d '{}"'; sleep 0.5; done ) >"$TOPO_DIR/behind.log" 2>/dev/null &
	sampler="$sampler $!"
	# The MN's BUs "during the flood": those it logged after the generator started and before it
	# ended (log0, log1: the MN's log lines then).
	log0=$(wc -l <"$TOPO_DIR/mn.log")
	t0=$(now_us) cf0=$(cpu_ticks "$pid")
	# The generator on CPU 1, as fast as it can, at the HA's priority (the HA is on CPU 0).
	topo_ns "$NS_CN" taskset -c 1 "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: 0x100000 "$FLOOD" 0 12 1 >"$TOPO_DIR/flood.out" &
	gen=$!
	sleep 0.5
	# The move right after one of the MN's refreshes was answered: a refresh sent as its link
	# changes can be lost on the MN's side of the switch, where no drop counter sees it (seen
	# once at 20,000: the MN's seq 2 from foreign1, neither answered nor counted anywhere).
	mn_bas() { grep -c 'BA received:' "$TOPO_DIR/mn.log"; }
	local bas0
	bas0=$(mn_bas)
	mn_ba_since() { [ "$(mn_bas)" -gt "$bas0" ]; }
	wait_for 5 mn_ba_since || echo "# no refresh of the MN answered within 5 s of the flood's start"
	move_mn foreign2 || not_ok "MN moves to foreign2 during the flood"
	wait "$gen"
	log1=$(wc -l <"$TOPO_DIR/mn.log") cf1=$(cpu_ticks "$pid")
	out=$(cat "$TOPO_DIR/flood.out")
	sent=$(sed -n 's/^bu-flood: sent \([0-9]*\) .*/\1/p' <<<"$out")
	echo "# flood: $out; $((($(now_us) - t0) / 1000)) ms until the generator ended, HA CPU $(((cf1 - cf0) * 1000 / hz)) ms meanwhile"
	# The MN goes on refreshing (every ~3 s): one more BU after the flood, answered.
	mnbu=$(mn_bus)
	mn_refreshed() { [ "$(mn_bus)" -gt "$mnbu" ] && mn_answered; }
	wait_for 20 mn_refreshed || not_ok "the MN kept refreshing after the flood"
	# Then the MN stops (its BUs counted from its whole log, final now) and the HA accounts for all.
	mip6_stop mn || not_ok "MN stops"
	mnbu=$(mn_bus)
	mn_accounted() {
		answered=$(($(hc ha out ba) - ba_mark))
		dropped=$(($(hc_drops) - drop_mark))
		[ $((answered + dropped)) -ge $((sent + mnbu)) ]
	}
	wait_for 30 mn_accounted
	t1=$(now_us)
	kill $sampler "$poller" 2>/dev/null
	"$PY" "$TOP/tests/vm/lib/kdrops.py" snap "$NS_CN" "$NS_SW" "+$NS_RT" "+$NS_HA" >"$TOPO_DIR/kdrops.1"
	"$PY" "$TOP/tests/vm/lib/kdrops.py" diff "$TOPO_DIR/kdrops.0" "$TOPO_DIR/kdrops.1" >"$TOPO_DIR/kdrops.txt"
	kdrops=$(sed -n 's/^total //p' "$TOPO_DIR/kdrops.txt")
	echo "# kernel drop counters that grew during the flood: $(grep -v '^total' "$TOPO_DIR/kdrops.txt" | tr '\n' ' ')(total ${kdrops:-?})"
	echo "# new registrations behind during the flood (every 0.5 s): $(head -n 40 "$TOPO_DIR/behind.log" | tr '\n' ' ')"
	rssmax=$(sort -n "$TOPO_DIR/rss.log" | tail -n 1)
	echo "# flood accounted after $(((t1 - t0) / 1000)) ms: BUs $sent (generator) + $mnbu (MN); HA: $answered BAs, $dropped dropped ($(mip6_json ha counters | grep -o '"drops":{[^}]*}')), limits $(mip6_json ha counters | grep -o '"limits":{[^}]*}'), BA status $(mip6_json ha counters | grep -o '"ba_status_out":{[^}]*}'), $(bc_count) bindings"
	# A BU the kernel dropped before the HA's socket is invisible to the HA: the kernel's
	# counters account for it (an upper bound: other packets may be among them).
	check "every BU answered or counted as dropped: $answered BAs + $dropped drops = $sent + $mnbu BUs - $((sent + mnbu - answered - dropped)) lost before the HA's socket (kernel drop counters: ${kdrops:-?})" \
		test $((answered + dropped)) -le $((sent + mnbu)) -a $((sent + mnbu - answered - dropped)) -le "${kdrops:-0}"
	check "the new-registration backlog engaged: $(hc ha drops new-registration-backlog) dropped, counted" \
		test "$(hc ha drops new-registration-backlog)" -gt 0
	check "mip6ctl counters answered with drops throughout: $(grep -c '^1$' "$TOPO_DIR/ctl.log") of $(wc -l <"$TOPO_DIR/ctl.log")" \
		test -s "$TOPO_DIR/ctl.log" -a "$(grep -vc '^1$' "$TOPO_DIR/ctl.log")" = 0
	check "bindings never beyond HaMaxBindings $MAXB: $(bc_count) now" test "$(bc_count)" -le "$MAXB"
	echo "# HA RSS during the flood: max ${rssmax} KiB (start ${rss0} KiB, bound $((rss0 + MAXB * 16)) KiB)"
	check "HA RSS under RSS at start + HaMaxBindings x 16 KiB: ${rssmax} <= $((rss0 + MAXB * 16)) KiB" \
		test "${rssmax:-999999999}" -le $((rss0 + MAXB * 16))
	# The legitimate MN: each BU it sent during the flood is followed (before its next BU) by a
	# BA 0 within 1 s (the MN logs BU->BA); a BU followed by another BU went unanswered.
	awk -v a="$log0" -v b="$log1" '
		/BU sent:/ { if (open) print "unanswered"; open = NR > a && NR <= b; next }
		/BA received:/ && open { ms = $0; sub(/.*BU->BA /, "", ms); sub(/ ms.*/, "", ms)
			print (/status 0,/ ? "" : "status ") ms; open = 0 }
		END { if (open) print "unanswered" }' "$TOPO_DIR/mn.log" >"$TOPO_DIR/mn-flood.txt"
	n_bu=$(wc -l <"$TOPO_DIR/mn-flood.txt")
	n_ok=$(awk '$1 ~ /^[0-9.]+$/ && $1 <= 1000' "$TOPO_DIR/mn-flood.txt" | wc -l)
	echo "# legitimate MN during the flood: $n_bu BUs ($(tr '\n' ' ' <"$TOPO_DIR/mn-flood.txt")ms); BU->BA median $(grep -E '^[0-9.]+$' "$TOPO_DIR/mn-flood.txt" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
	check "the legitimate MN got a BA 0 within 1 s for each of its $n_bu BUs during the flood ($n_ok)" \
		test "$n_bu" -ge 3 -a "$n_ok" = "$n_bu"
}
if [ "$FLOOD" != 0 ]; then
	flood_phase
	check "HA alive after the flood" kill -0 "$pid"
else
	echo "# flood phase not run (HA_SCALE_FLOOD=0)"
fi

t0=$(now_us)
mip6_stop ha || not_ok "HA stops within 10 s with $(bc_count) bindings"
echo "# SIGTERM to exit: $((($(now_us) - t0) / 1000)) ms"
left=$(route_hoas | wc -l)
left_proxy=$(proxy_hoas | wc -l)
check "after SIGTERM: no route left ($left) and no proxy entry left ($left_proxy)" test "$left" = 0 -a "$left_proxy" = 0
[ "$fails" = 0 ]
