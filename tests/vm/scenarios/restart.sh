#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-init: systemd
# vm-timeout: 600
#
# restart: the home agent restarts without losing a binding (issue 11, NonVolatileBindingCache).
# systemd is PID 1; the tree's `make install` provides the mip6-ha unit (StateDirectory=mip6d),
# put into the HA's namespace by a runtime drop-in. N bindings from the generator
# (tests/bench/bu-flood on the CN, one CoA for all) plus one real MN on foreign1 whose HoA the
# CN pings every 20 ms (N=1000; RESTART_N=10000 tests/vm/run restart for the 10,000 measurement). Then:
#  1. `systemctl restart mip6-ha`: every binding is back with its CoA and sequence number
#     (the binding cache's (HoA, CoA, seq) set is the same before and after), exactly one route
#     and one reverse-tunnel filter per binding (no duplicates) and no proxy neighbour entry: an
#     older version's entries (one per binding, put in before the restart) are removed, another
#     daemon's in the home prefix (no binding) is left (RFC 6275 §10.4.1 is mip6d's own now);
#     an NS for the MN's HoA is answered with the HA's MAC after the restart; the restart-to-READY
#     time and the real MN's ping gap reported; its replies come back through the reverse tunnel,
#     whose filters are adopted, not reinstalled: at most LOST_MAX (5, 100 ms) of the replies to
#     pings after the last reply before the restart are lost;
#  2. `systemctl kill -s SIGKILL mip6-ha`: systemd restarts it (Restart=on-failure): the same;
#  3. the MN restarts while away (issue 11 item 3), crashed (SIGKILL: its kernel state stays)
#     and stopped (SIGTERM: removed): started on foreign1 again, it keeps its HoA, registers the
#     CoA it finds there without a trip home (no deregistration, no home movement in its log; the
#     HA's binding names the CoA with a newer sequence number) and the CN's pings come back
#     (only replies stamped after the re-registration count);
#  4. the state file cut in half while the HA is stopped: the HA starts, logs the corrupt file,
#     moves it aside and keeps what was readable; the kernel holds exactly the kept bindings'
#     routes and reverse-tunnel filters (those of the others were removed).

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/mip6.sh
. "$(dirname "$0")/../lib/mip6.sh"

[ "$(cat /proc/1/comm)" = systemd ] || { echo "not ok - PID 1 is systemd (run with # vm-init: systemd)"; exit 1; }
mkdir -p "$TOPO_DIR"
N=${RESTART_N:-1000}

# --- make install (into the VM's overlay root; the tree is never written: see systemd.sh) ----
builddir=${MIP6_BUILDDIR:-$TOP/build}
[ -f "$builddir/Makefile" ] || { echo "not ok - no Makefile in $builddir"; exit 1; }
install_build() {
	local ov=/tmp/mip6-build dirs=("$TOP")
	case $builddir/ in
	"$TOP"/*) ;;
	*) dirs+=("$builddir") ;;
	esac
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount --propagation private bash -c '
		ov=$1 builddir=$2
		shift 2
		i=0
		for d in "$@"; do
			mkdir -p "$ov/$i/u" "$ov/$i/w" &&
				mount -t overlay overlay -o "lowerdir=$d,upperdir=$ov/$i/u,workdir=$ov/$i/w" "$d" ||
				exit 1
			i=$((i + 1))
		done
		make -C "$builddir" install' _ "$ov" "$builddir" "${dirs[@]}"
}
install_build >"$TOPO_DIR/make-install.log" 2>&1 ||
	{ echo "not ok - make install"; tail -n 20 "$TOPO_DIR/make-install.log" | sed 's/^/#   /'; exit 1; }
mkvar() { sed -n "s/^$1 = //p" "$builddir/Makefile" | head -n1; }
prefix=$(mkvar prefix)
unitdir=$(mkvar systemdsystemunitdir)
unitdir=${unitdir//\$(prefix)/$prefix}
unitdir=${unitdir//\$\{prefix\}/$prefix}
systemctl daemon-reload
systemctl cat mip6-ha.service >/dev/null 2>&1 || systemctl link "$unitdir"/mip6-{ha,mn,cn}.service >/dev/null
unit=$(systemctl show -p FragmentPath --value mip6-ha.service)
read -r HA_BIN HA_CONF < <(sed -n 's/^ExecStart=\([^ ]*\) -c \([^ ]*\) .*/\1 \2/p' "$unit")
CTL=$(sed -n 's/^ExecStart=.* -s \([^ ]*\).*/\1/p' "$unit")
check "the installed unit keeps its state under StateDirectory=mip6d" grep -q '^StateDirectory=mip6d$' "$unit"
BUFLOOD=$builddir/tests/bench/bu-flood
STATE=/var/lib/mip6d/bcache

# --- topology and configuration -------------------------------------------------------------
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
topo_at_exit "systemctl stop mip6-ha.service strongswan.service 2>/dev/null"
topo_at_exit "journalctl -b -o short-monotonic --no-pager >'$TOPO_DIR/journal.log' 2>&1"
mkdir -p "${HA_CONF%/*}"
cat >"$HA_CONF" <<EOF
NodeConfig HA;
Interface "$HA_IF";
UseMnHaIPsec disabled;
HaMaxBindingLife 3600;
NonVolatileBindingCache enabled;
EOF
for u in mip6-ha strongswan; do
	mkdir -p "/run/systemd/system/$u.service.d"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\n' "$NS_HA" >"/run/systemd/system/$u.service.d/50-mip6vm.conf"
done
systemctl daemon-reload
hactl() { "${HA_BIN%/mip6d}/mip6ctl" -s "$CTL" "$@"; }
systemctl start mip6-ha || { not_ok "systemctl start mip6-ha"; systemctl status --no-pager mip6-ha | sed 's/^/#   /'; exit 1; }
ok "systemctl start mip6-ha (NonVolatileBindingCache enabled)"

# The real MN on foreign1, the CN pinging its HoA every 20 ms.
MN_CONF="NodeConfig MN;
Interface \"$MN_IF\";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 3600;
MnHomeLink \"$MN_IF\" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}"
mip6_start "$NS_MN" mn "$MN_CONF" || exit 1
move_mn foreign1 || { not_ok "MN moves to foreign1"; exit 1; }
check "the MN is registered from foreign1" wait_for 30 bul_is '"state":"registered"[^]]*"last_status":0'
topo_bg "$NS_CN" ping ping -6 -D -n -i 0.02 -W 1 "$MN_HOA"
check "the CN's pings reach the MN through the tunnel" wait_for 15 grep -q 'bytes from' "$TOPO_DIR/ping.log"

# N generated bindings.
# The generator paces itself (60/s, 150/s beyond 1,000): the HA admits new registrations at what
# the kernel takes and drops the rest, counted (issue 10's flood protection: a bounded backlog and
# a 128 KiB MH queue); like an MN retransmitting, it sends again (seq + 1) until all are valid.
valid_count() {
	hactl --json bc | "$PY" -c 'import json, sys
print(sum(1 for b in json.load(sys.stdin)["bindings"] if b["state"] == "valid"))'
}
all_valid() { [ "$(valid_count)" -ge $((N + 1)) ]; }
rate=60
if [ "$N" -gt 1000 ]; then rate=150; fi
for r in 0 1 2 3 4 5; do
	topo_ns "$NS_CN" "$BUFLOOD" "$CN_ADDR" "$HA_ADDR" 2001:db8:1:: 4096 "$N" "$rate" 3000 $((7 + r)) | sed 's/^/# /'
	wait_for 20 all_valid && break
	echo "# round $((r + 1)): $(valid_count) valid bindings of $((N + 1))"
done
check "$N generated bindings registered" all_valid

# (HoA, CoA, seq) of every valid binding, sorted; the HoAs of routes and proxy entries (but the
# one another daemon owns: FOREIGN_PROXY, no binding).
FOREIGN_PROXY=2001:db8:1::f00:f00
bc_set() {
	hactl --json bc | "$PY" -c 'import json, sys
for b in json.load(sys.stdin)["bindings"]:
    if b["state"] == "valid": print(b["hoa"], b["coa"], b["seq"])' | sort
}
route_hoas() { ip -n "$NS_HA" -6 route show proto 16 | awk '{ sub("/128$", "", $1); print $1 }' | sort; }
proxy_hoas() { ip -n "$NS_HA" -6 neigh show proxy | awk -v f="$FOREIGN_PROXY" '$1 !~ /^fe80/ && $1 != f { print $1 }' | sort; }
# "HoA CoA" of every reverse-tunnel binding filter (RFC 6275 §10.4.5: prio 1 on the tunnel's ingress).
filter_pairs() {
	tc -n "$NS_HA" filter show dev mip6tnl0 ingress pref 1 | awk '
		function flush() { if (h && s != "") print s, c; h = 0; s = c = "" }
		/^filter/ { flush(); h = / handle /; next }
		$1 == "src_ip" { s = $2 } $1 == "enc_src_ip" { c = $2 }
		END { flush() }' | sort
}
# Exactly one route and one reverse-tunnel filter (keyed on its CoA) per binding, none twice, none
# of nobody's; no proxy entry of ours (RFC 6275 §10.4.1: the HA answers NSs itself).
one_each() {
	bc_set | awk '{ print $1 }' >"$TOPO_DIR/h.bc"
	bc_set | awk '{ print $1, $2 }' >"$TOPO_DIR/h.bcpair"
	route_hoas >"$TOPO_DIR/h.route"
	proxy_hoas >"$TOPO_DIR/h.proxy"
	filter_pairs >"$TOPO_DIR/h.filter"
	if [ -s "$TOPO_DIR/h.bc" ] && [ -z "$(uniq -d "$TOPO_DIR/h.bc")" ] &&
		cmp -s "$TOPO_DIR/h.bc" "$TOPO_DIR/h.route" && [ ! -s "$TOPO_DIR/h.proxy" ] &&
		cmp -s "$TOPO_DIR/h.bcpair" "$TOPO_DIR/h.filter"; then
		return 0
	fi
	echo "# bindings $(wc -l <"$TOPO_DIR/h.bc"), routes $(wc -l <"$TOPO_DIR/h.route"), proxies $(wc -l <"$TOPO_DIR/h.proxy"), reverse-tunnel filters $(wc -l <"$TOPO_DIR/h.filter")"
	return 1
}
bc_set >"$TOPO_DIR/bc.before"
check "before: $(wc -l <"$TOPO_DIR/bc.before") bindings (N + the MN), one route each, no proxy entry" \
	test "$(wc -l <"$TOPO_DIR/bc.before")" = $((N + 1))
check "before: kernel state matches" one_each

# The largest gap between consecutive ping replies stamped after T (ms), and the count.
gap_after() {
	ping_stamps "$TOPO_DIR/ping.log" | awk -v t="$1" '$1 > t - 1000000 { if (p) { g = $1 - p; if (g > m) m = g } p = $1; n++ }
		END { printf "%d ms over %d replies", m / 1000, n }'
}
# The CN's pings whose replies (MN -> reverse tunnel -> HA -> CN) are missing among those after the
# last reply stamped before T and up to the last reply stamped before T2 (µs).
lost_between() {
	awk -v t="$1" -v t2="$2" '/bytes from/ && match($0, /icmp_seq=[0-9]+/) {
		q = substr($0, RSTART + 9, RLENGTH - 9) + 0
		gsub(/[\[\]]/, "", $1); split($1, a, "."); ts = a[1] * 1000000 + substr(a[2] "000000", 1, 6)
		if (ts <= t) { s0 = q; next }
		if (ts <= t2 && q > s0) { seen[q] = 1; if (q > s1) s1 = q }
	}
	END { n = 0; for (q in seen) n++; print (s1 > s0 ? s1 - s0 - n : -1) }' "$TOPO_DIR/ping.log"
}
# RFC 6275 §10.4.5 across a restart: the reverse-tunnel filters stay in the kernel (adopted, not
# flushed and reinstalled), so at most this many of the MN's replies (20 ms apart) may be lost.
LOST_MAX=5
same_bindings() { bc_set >"$TOPO_DIR/bc.after" && cmp -s "$TOPO_DIR/bc.before" "$TOPO_DIR/bc.after"; }
mainpid() { systemctl show -p MainPID --value mip6-ha; }
ready_ms() { journalctl -b -u mip6-ha --no-pager -o cat | sed -n 's/.*restored, \([0-9]*\) ms after start.*/\1/p' | tail -n1; }

# --- 1. systemctl restart ------------------------------------------------------------------
# An upgrade from a version that kept one kernel proxy entry per binding: those entries are put
# in now, one per bound HoA, and another daemon's for an address with no binding.
awk '{ print "neigh add proxy", $1, "dev", ifc }' ifc="$HA_IF" "$TOPO_DIR/h.bc" | ip -n "$NS_HA" -batch -
ip -n "$NS_HA" -6 neigh add proxy "$FOREIGN_PROXY" dev "$HA_IF"
echo "# proxy entries put in as an older version left them: $(proxy_hoas | wc -l), and $FOREIGN_PROXY (no binding)"
t0=$(now_us)
systemctl restart mip6-ha || not_ok "systemctl restart mip6-ha"
t1=$(now_us)
echo "# systemctl restart with $((N + 1)) bindings: $(((t1 - t0) / 1000)) ms until READY=1 (the daemon: $(ready_ms) ms from its start to READY=1)"
check "restart: every binding back with its CoA and sequence number" same_bindings
check "restart: one route and one reverse-tunnel filter per binding, no duplicates; the older version's proxy entries removed" one_each
check "restart: the other daemon's proxy entry ($FOREIGN_PROXY, no binding) is left" \
	sh -c "ip -n '$NS_HA' -6 neigh show proxy | grep -q '^$FOREIGN_PROXY '"
ip -n "$NS_HA" -6 neigh del proxy "$FOREIGN_PROXY" dev "$HA_IF"
journalctl -b -u mip6-ha --no-pager -o cat | grep "reconciled with the kernel" | tail -n1 | sed 's/^/# /'
check "restart: the CN's pings come back after the restart" wait_for 10 replies_after "$t1"
sleep 2
lost=$(lost_between "$t0" "$(now_us)")
echo "# restart: largest ping gap around the restart: $(gap_after "$t0"), $lost replies lost"
check "restart: at most $LOST_MAX of the MN's reverse-tunnelled replies lost ($lost)" \
	test "$lost" -ge 0 -a "$lost" -le "$LOST_MAX"
# RFC 6275 §10.4.1 after the restart: the router, its neighbour entry for the MN's HoA removed,
# resolves it again (the CN's pings need it) and learns the HA's MAC from the HA's NA.
ha_mac=$(ip -n "$NS_HA" link show "$HA_IF" | awk '/link\/ether/ { print $2 }')
rt_has_ha_mac() { ip -n "$NS_RT" -6 neigh show "$MN_HOA" dev "$RT_IF_HOME" | grep -q "lladdr $ha_mac .*\(REACHABLE\|STALE\|DELAY\|PROBE\)"; }
ip -n "$NS_RT" -6 neigh del "$MN_HOA" dev "$RT_IF_HOME" 2>/dev/null
check "restart: the router resolves the MN's HoA to the HA's MAC again (the HA's own NA, no proxy entry)" \
	wait_for 5 rt_has_ha_mac

# --- 2. SIGKILL: systemd restarts it -------------------------------------------------------
pid0=$(mainpid)
t0=$(now_us)
systemctl kill -s SIGKILL mip6-ha
restarted() { p=$(mainpid); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$pid0" ] && [ "$(systemctl is-active mip6-ha)" = active ]; }
check "SIGKILL: systemd restarted mip6-ha (Restart=on-failure)" wait_for 30 restarted
t1=$(now_us)
echo "# SIGKILL -> active again: $(((t1 - t0) / 1000)) ms (RestartSec=2s included; the daemon: $(ready_ms) ms to READY=1)"
check "SIGKILL: every binding back with its CoA and sequence number" same_bindings
check "SIGKILL: one route and one reverse-tunnel filter per binding, no duplicates, no proxy entry" one_each
check "SIGKILL: the CN's pings come back" wait_for 10 replies_after "$t1"
sleep 2
lost=$(lost_between "$t0" "$(now_us)")
echo "# SIGKILL: largest ping gap: $(gap_after "$t0"), $lost replies lost"
check "SIGKILL: at most $LOST_MAX of the MN's reverse-tunnelled replies lost ($lost)" \
	test "$lost" -ge 0 -a "$lost" -le "$LOST_MAX"

# --- 3. the MN restarts while away ---------------------------------------------------------
mn_coa() { mip6_json mn bul | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["entries"][0]["coa"])'; }
ha_mn_seq() { bc_set | awk -v h="$MN_HOA" -v c="$1" '$1 == h && $2 == c { print $3 }'; }
# Registered by this instance, from the first link it saw (a foreign one), its CoA at the HA with seq > $1.
mn_reregistered() {
	local coa seq
	bul_is '"state":"registered"[^]]*"last_status":0' && bul_is '"from":"start","to":"foreign"' || return 1
	coa=$(mn_coa) && seq=$(ha_mn_seq "$coa") && [ -n "$seq" ] && [ "$seq" -gt "$1" ]
}
# The same CoA as before the restart, and no home movement nor deregistration (lifetime 0) in this run's log.
no_trip_home() { [ "$(mn_coa)" = "$coa0" ] && ! grep -Eq 'movement detected: home|lifetime 0 s' "$TOPO_DIR/mn.log"; }
coa0=$(mn_coa)
cp "$TOPO_DIR/bc.before" "$TOPO_DIR/bc.before-mn"
# The MN's own account of its re-registration: RA seen -> BA accepted (ms).
mn_ba_after() { mip6_json mn bul | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["handovers"][-1]["ba_after_ms"])'; }
for sig in KILL TERM; do
	seq0=$(ha_mn_seq "$coa0")
	pid=${MIP6_PID[mn]}
	cp "$TOPO_DIR/mn.log" "$TOPO_DIR/mn-before-$sig.log"
	t0=$(now_us)
	kill "-$sig" "$pid"
	wait_for 10 _mip6_gone "$pid" || not_ok "MN SIG$sig: mip6d ended"
	unset "MIP6_PID[mn]"
	mip6_start "$NS_MN" mn "$MN_CONF" || { not_ok "MN SIG$sig: mip6d starts again on foreign1"; break; }
	tup=$(now_us)
	check "MN restart while away (SIG$sig): re-registered from foreign1, the HA's binding names its CoA with a newer seq" \
		wait_for 20 mn_reregistered "${seq0:-0}"
	t1=$(now_us)
	check "MN restart while away (SIG$sig): same CoA, no trip home (no home movement, no deregistration)" \
		no_trip_home
	check "MN restart while away (SIG$sig): re-registered, traffic resumes (replies after the re-registration)" \
		wait_for 10 replies_after "$t1"
	echo "# MN SIG$sig while away: its control socket answered $(((tup - t0) / 1000)) ms after the signal," \
		"its first RA -> BA accepted $(mn_ba_after) ms, seen registered by the script $(((t1 - t0) / 1000)) ms after the signal;" \
		"largest ping gap: $(gap_after "$t0")"
done
# The bindings as they are now; a binding kept from the cut file may be as it was before the MN's restarts.
bc_set >"$TOPO_DIR/bc.now"
sort -u "$TOPO_DIR/bc.now" "$TOPO_DIR/bc.before-mn" >"$TOPO_DIR/bc.before"
check "after the MN's restarts: still $((N + 1)) bindings, one route each" \
	sh -c "[ \$(wc -l <'$TOPO_DIR/bc.now') = $((N + 1)) ]"
check "after the MN's restarts: kernel state matches" one_each

# --- 4. the state file cut in half ---------------------------------------------------------
systemctl stop mip6-ha
size=$(stat -c %s "$STATE")
truncate -s $((size / 2)) "$STATE"
systemctl start mip6-ha || not_ok "start with a state file cut in half"
check "half file: mip6-ha is active" test "$(systemctl is-active mip6-ha)" = active
check "half file: the corrupt file is logged" \
	sh -c "journalctl -b -u mip6-ha --no-pager -o cat | grep -q 'binding cache file $STATE: truncated record'"
check "half file: moved aside" sh -c "ls /var/lib/mip6d/ | grep -q '^bcache.corrupt-'"
bc_set >"$TOPO_DIR/bc.half"
kept=$(wc -l <"$TOPO_DIR/bc.half")
echo "# half file ($((size / 2)) of $size octets): $kept of $((N + 1)) bindings kept"
check "half file: some bindings kept, not all ($kept), each as it was" \
	sh -c "[ $kept -gt 0 ] && [ $kept -lt $((N + 1)) ] && [ -z \"\$(comm -23 '$TOPO_DIR/bc.half' '$TOPO_DIR/bc.before')\" ]"
check "half file: the kernel holds exactly the kept bindings' routes and reverse-tunnel filters" one_each
[ "$fails" = 0 ]
