# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/vm/lib/topo.sh: the Mobile IPv6 test topology, sourced by tests/vm/scenarios/*.sh.
# Runs inside the VM (or on any host whose kernel has what the scenario needs), as root.
#
#                 home link 2001:db8:1::/64 (bridge br-home)
#       HA ha0 ::1  ---+---  rt-home ::2 (rt)  ---  MN mn0 (when at home)
#       (radvd: H flag,|
#        HA info opt)  rt (forwarding) ---- rt-f1 ::1  foreign1 2001:db8:2::/64 (br-f1, radvd)
#                      |               ---- rt-f2 ::1  foreign2 2001:db8:3::/64 (br-f2, radvd)
#                      |               ---- rt-cn ::1  CN link  2001:db8:4::/64 (br-cn)
#                                                      CN cn0 ::2
#
# Namespaces: $NS_HA, $NS_MN, $NS_CN, $NS_RT, plus $NS_SW holding the four bridges (pure L2,
# IPv6 disabled there).  Every node has one veth whose peer is a port of a bridge in $NS_SW;
# the MN moves by re-attaching its port to another bridge (topo_move_mn), with a carrier
# flap so that it sees a link change, as with a real L2 handover.
#
# The home link's router advertisements come from a radvd in the HA's namespace (H flag,
# Home Agent Information option, Advertisement Interval option, prefix with the R flag);
# foreign1 and foreign2 get theirs from a radvd in rt.  RAs every 0.03-0.07 s (RFC 6275
# §7.5 minimums).  The MN autoconfigures its CoA by SLAAC from a fixed MAC, so its
# addresses are known in advance ($MN_COA_F1, $MN_COA_F2).  The HoA is NOT configured:
# that is mip6d's job.  The CN and the HA have static addresses and default routes.
#
# DAD is off (accept_dad=0 in all namespaces, static addresses "nodad"): under TCG it only
# adds ~2 s per address and the tests do not exercise the kernel's DAD.  A scenario that
# wants DAD sets net.ipv6.conf.IF.accept_dad=1 in its namespace (topo_sysctl).
#
# Interface (functions):
#   topo_setup                 build everything, start radvd, wait until the MN has its
#                              home SLAAC address; installs `trap topo_cleanup EXIT`
#   topo_cleanup               run topo_at_exit hooks (last first), kill what topo_bg
#                              started (radvd too), delete the namespaces; safe to call twice;
#                              keeps the scenario's exit status
#   topo_at_exit CMD...        register a cleanup command (run before namespaces go away)
#   topo_bg NS NAME CMD...     start CMD in namespace NS in the background, output to
#                              $TOPO_DIR/NAME.log, killed by topo_cleanup; sets TOPO_LAST_PID
#   topo_move_mn LINK [--keep-carrier]   LINK: home|foreign1|foreign2 (f1/f2 accepted)
#   topo_wait_mn_addr ADDR [TIMEOUT]     wait until the MN has ADDR (non-tentative)
#   topo_mn_forget_other_links after a move, without mip6d: drop the MN's SLAAC addresses,
#                              prefix routes and default routes of the links it left
#   topo_ping NS DST [PING-ARGS...]      ping -c3 -i0.2: ok if any of the 3 is answered
#   topo_sysctl NS KEY=VALUE...          sysctl -qw in a namespace (one exec)
#   topo_ns NS CMD...          ip netns exec NS CMD...
#   topo_dump                  addresses and routes of every namespace (failure reports)
#   wait_for TIMEOUT_S CMD...  run CMD every 0.1 s until it succeeds; 1 after TIMEOUT_S
#   topo_msleep MS             sleep without an exec (poll intervals only; never to wait
#                              for an event: use wait_for)
#   topo_log MSG...            "# MSG" on stdout (the scenario log)
#
# Variables (exported):
#   NS_HA NS_MN NS_CN NS_RT NS_SW           namespace names (unique per run: suffix $$)
#   HA_IF=ha0 MN_IF=mn0 CN_IF=cn0           the nodes' interfaces
#   RT_IF_HOME=rt-home RT_IF_F1=rt-f1 RT_IF_F2=rt-f2 RT_IF_CN=rt-cn
#   HOME_PREFIX=2001:db8:1::/64 F1_PREFIX=2001:db8:2::/64 F2_PREFIX=2001:db8:3::/64
#   CN_PREFIX=2001:db8:4::/64  (and *_PFX without the length: 2001:db8:1:: …; PLEN=64)
#   HA_ADDR=2001:db8:1::1 MN_HOA=2001:db8:1::100 CN_ADDR=2001:db8:4::2
#   RT_HOME=2001:db8:1::2 RT_F1=2001:db8:2::1 RT_F2=2001:db8:3::1 RT_CN=2001:db8:4::1
#   MN_MAC=02:00:00:00:01:00 MN_IID=::ff:fe00:100 (EUI-64 of MN_MAC)
#   MN_SLAAC_HOME=2001:db8:1::ff:fe00:100 MN_COA_F1=2001:db8:2::ff:fe00:100
#   MN_COA_F2=2001:db8:3::ff:fe00:100
#   MN_LINK                    where the MN is attached now: home|foreign1|foreign2
#   TOPO_DIR                   configs and logs (radvd, topo_bg): $VM_ARTIFACTS if set
#   TOPO_RA_MIN=0.03 TOPO_RA_MAX=0.07 TOPO_RA_LIFETIME=30   (set before topo_setup to change)
#   TOP                        the source tree; mip6d is $TOP/src/mip6d

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
export TOP

_topo_sfx=$$
export NS_HA=ha-$_topo_sfx NS_MN=mn-$_topo_sfx NS_CN=cn-$_topo_sfx NS_RT=rt-$_topo_sfx
export NS_SW=sw-$_topo_sfx
export HA_IF=ha0 MN_IF=mn0 CN_IF=cn0
export RT_IF_HOME=rt-home RT_IF_F1=rt-f1 RT_IF_F2=rt-f2 RT_IF_CN=rt-cn
export PLEN=64
export HOME_PFX=2001:db8:1:: F1_PFX=2001:db8:2:: F2_PFX=2001:db8:3:: CN_PFX=2001:db8:4::
export HOME_PREFIX=$HOME_PFX/$PLEN F1_PREFIX=$F1_PFX/$PLEN F2_PREFIX=$F2_PFX/$PLEN
export CN_PREFIX=$CN_PFX/$PLEN
export HA_ADDR=2001:db8:1::1 MN_HOA=2001:db8:1::100 CN_ADDR=2001:db8:4::2
export RT_HOME=2001:db8:1::2 RT_F1=2001:db8:2::1 RT_F2=2001:db8:3::1 RT_CN=2001:db8:4::1
export MN_MAC=02:00:00:00:01:00 MN_IID=::ff:fe00:100
export MN_SLAAC_HOME=2001:db8:1::ff:fe00:100 MN_COA_F1=2001:db8:2::ff:fe00:100
export MN_COA_F2=2001:db8:3::ff:fe00:100
export MN_LINK=
: "${TOPO_RA_MIN:=0.03}" "${TOPO_RA_MAX:=0.07}" "${TOPO_RA_LIFETIME:=30}"
export TOPO_RA_MIN TOPO_RA_MAX TOPO_RA_LIFETIME
export TOPO_DIR=${VM_ARTIFACTS:-${TMPDIR:-/tmp}/topo.$_topo_sfx}

TOPO_PIDS=()
TOPO_HOOKS=()
export TOPO_LAST_PID=
_topo_up=0

topo_log() { echo "# $*"; }

# Sleep MS milliseconds inside bash (an exec of sleep costs ~100 ms under TCG).
topo_msleep() {
	local s
	s=$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))
	if [ -z "${_topo_sleep_fd:-}" ]; then
		# A pipe nobody writes to: read -t on it is a sleep without an exec.
		exec {_topo_sleep_fd}<> <(:) 2>/dev/null || _topo_sleep_fd=none
	fi
	if [ "$_topo_sleep_fd" = none ]; then
		sleep "$s"
	else
		read -r -t "$s" -u "$_topo_sleep_fd" || :
	fi
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s; 0 as soon as it succeeds, 1 (with a
# message on stderr) when TIMEOUT_S (may be fractional) has passed.
wait_for() {
	local timeout=$1 start now limit
	shift
	start=${EPOCHREALTIME//[.,]/}
	if [[ $timeout == *.* ]]; then
		local frac=${timeout#*.}000000
		limit=$((${timeout%%.*} * 1000000 + 10#${frac:0:6}))
	else
		limit=$((timeout * 1000000))
	fi
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME//[.,]/}
		if [ $((now - start)) -ge "$limit" ]; then
			echo "wait_for: timeout after ${timeout} s: $*" >&2
			return 1
		fi
		topo_msleep 100
	done
}

topo_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

topo_sysctl() {
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@"
}

# topo_ping NS DST [extra ping args]: three echo requests 0.2 s apart; succeeds when at
# least one is answered (never assert on a single packet under TCG).
topo_ping() {
	local ns=$1 dst=$2
	shift 2
	ip netns exec "$ns" ping -q -c3 -i0.2 -W2 "$@" "$dst" >/dev/null
}

topo_at_exit() {
	TOPO_HOOKS+=("$*")
}

# topo_bg NS NAME CMD...: background process in NS, killed by topo_cleanup.
topo_bg() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$@" >"$TOPO_DIR/$name.log" 2>&1 &
	TOPO_LAST_PID=$!
	TOPO_PIDS+=("$!")
}

_topo_radvd_iface() {
	# _topo_radvd_iface IF PREFIX [ha]
	cat <<EOF
interface $1 {
	AdvSendAdvert on;
	MinRtrAdvInterval $TOPO_RA_MIN;
	MaxRtrAdvInterval $TOPO_RA_MAX;
	AdvIntervalOpt on;
	AdvDefaultLifetime $TOPO_RA_LIFETIME;
EOF
	if [ "${3:-}" = ha ]; then
		cat <<EOF
	AdvHomeAgentFlag on;
	AdvHomeAgentInfo on;
	HomeAgentLifetime 1800;
	HomeAgentPreference 10;
EOF
	fi
	cat <<EOF
	prefix $2 {
		AdvOnLink on;
		AdvAutonomous on;
		AdvRouterAddr on;
	};
};
EOF
}

_topo_start_radvd() {
	# _topo_start_radvd NS NAME CONF
	local ns=$1 name=$2 conf=$TOPO_DIR/$2.conf
	cat >"$conf"
	topo_bg "$ns" "$name" radvd -n -d 1 -m stderr -C "$conf" -p "$TOPO_DIR/$name.pid"
}

_topo_has_addr() {
	# _topo_has_addr NS IF ADDR: ADDR configured and usable (not tentative)
	local out
	out=$(ip -n "$1" -6 -o addr show dev "$2" to "$3/128" 2>/dev/null) || return 1
	[ -n "$out" ] && [[ $out != *tentative* ]]
}

topo_wait_mn_addr() {
	wait_for "${2:-10}" _topo_has_addr "$NS_MN" "$MN_IF" "$1"
}

topo_setup() {
	mkdir -p "$TOPO_DIR"
	trap topo_cleanup EXIT
	_topo_up=1

	local ns
	# Namespaces and veth pairs: each node's veth peer is a port in $NS_SW.
	ip -batch - <<EOF
netns add $NS_SW
netns add $NS_HA
netns add $NS_MN
netns add $NS_CN
netns add $NS_RT
EOF
	# Sysctls before any interface exists, so that "default" applies to them.
	topo_sysctl "$NS_SW" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	for ns in "$NS_HA" "$NS_MN" "$NS_CN" "$NS_RT"; do
		case $ns in
		"$NS_HA" | "$NS_RT") set -- net.ipv6.conf.all.forwarding=1 ;;
		*) set -- ;;
		esac
		topo_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 "$@"
	done

	ip -batch - <<EOF
link add $HA_IF netns $NS_HA type veth peer name p-ha netns $NS_SW
link add $MN_IF netns $NS_MN address $MN_MAC type veth peer name p-mn netns $NS_SW
link add $CN_IF netns $NS_CN type veth peer name p-cn netns $NS_SW
link add $RT_IF_HOME netns $NS_RT type veth peer name p-rt-home netns $NS_SW
link add $RT_IF_F1 netns $NS_RT type veth peer name p-rt-f1 netns $NS_SW
link add $RT_IF_F2 netns $NS_RT type veth peer name p-rt-f2 netns $NS_SW
link add $RT_IF_CN netns $NS_RT type veth peer name p-rt-cn netns $NS_SW
EOF
	ip -n "$NS_SW" -batch - <<EOF
link add br-home type bridge forward_delay 0 mcast_snooping 0
link add br-f1 type bridge forward_delay 0 mcast_snooping 0
link add br-f2 type bridge forward_delay 0 mcast_snooping 0
link add br-cn type bridge forward_delay 0 mcast_snooping 0
link set p-ha master br-home up
link set p-rt-home master br-home up
link set p-rt-f1 master br-f1 up
link set p-rt-f2 master br-f2 up
link set p-rt-cn master br-cn up
link set p-cn master br-cn up
link set p-mn master br-home up
link set br-home up
link set br-f1 up
link set br-f2 up
link set br-cn up
EOF
	MN_LINK=home
	ip -n "$NS_RT" -batch - <<EOF
link set lo up
addr add $RT_HOME/$PLEN dev $RT_IF_HOME nodad
addr add $RT_F1/$PLEN dev $RT_IF_F1 nodad
addr add $RT_F2/$PLEN dev $RT_IF_F2 nodad
addr add $RT_CN/$PLEN dev $RT_IF_CN nodad
link set $RT_IF_HOME up
link set $RT_IF_F1 up
link set $RT_IF_F2 up
link set $RT_IF_CN up
EOF
	ip -n "$NS_HA" -batch - <<EOF
link set lo up
addr add $HA_ADDR/$PLEN dev $HA_IF nodad
link set $HA_IF up
route add default via $RT_HOME dev $HA_IF
EOF
	ip -n "$NS_CN" -batch - <<EOF
link set lo up
addr add $CN_ADDR/$PLEN dev $CN_IF nodad
link set $CN_IF up
route add default via $RT_CN dev $CN_IF
EOF
	ip -n "$NS_MN" -batch - <<EOF
link set lo up
link set $MN_IF up
EOF

	_topo_radvd_iface "$HA_IF" "$HOME_PREFIX" ha | _topo_start_radvd "$NS_HA" radvd-home
	{
		_topo_radvd_iface "$RT_IF_F1" "$F1_PREFIX"
		_topo_radvd_iface "$RT_IF_F2" "$F2_PREFIX"
	} | _topo_start_radvd "$NS_RT" radvd-foreign

	if ! topo_wait_mn_addr "$MN_SLAAC_HOME" 10; then
		topo_log "topo_setup: the MN got no home address by SLAAC"
		topo_dump
		return 1
	fi
	wait_for 10 _topo_mn_has_default_route || return 1
}

_topo_mn_has_default_route() {
	[ -n "$(ip -n "$NS_MN" -6 route show default 2>/dev/null)" ]
}

# topo_move_mn home|foreign1|foreign2 [--keep-carrier]
# Re-attaches the MN's bridge port to that link's bridge.  Without --keep-carrier the port
# goes down and up around the move, so the MN sees its carrier drop and come back.
topo_move_mn() {
	local link=$1 br
	case $link in
	home) br="br-home" ;;
	foreign1 | f1) link=foreign1 br="br-f1" ;;
	foreign2 | f2) link=foreign2 br="br-f2" ;;
	*)
		echo "topo_move_mn: unknown link '$link'" >&2
		return 2
		;;
	esac
	if [ "${2:-}" = --keep-carrier ]; then
		ip -n "$NS_SW" link set p-mn master "$br" || return 1
	else
		ip -n "$NS_SW" -batch - <<EOF || return 1
link set p-mn down
link set p-mn master $br
link set p-mn up
EOF
	fi
	MN_LINK=$link
}

# After a move, what the MN learnt on its previous links lingers (as on a real network):
# their SLAAC addresses and on-link prefix routes (valid for a day) and their default
# router (until $TOPO_RA_LIFETIME s or NUD gives up).  mip6d's movement detection deals
# with that; scenarios without mip6d call this to forget it: SLAAC addresses and prefix
# routes of the other links and all RA default routes go, and it waits (up to 5 s) for
# the current link's router to be installed again by its next RA.
topo_mn_forget_other_links() {
	local link cmds=""
	for link in home foreign1 foreign2; do
		[ "$link" = "$MN_LINK" ] && continue
		case $link in
		home) cmds+="addr del $MN_SLAAC_HOME/$PLEN dev $MN_IF"$'\n'"route del $HOME_PREFIX dev $MN_IF"$'\n' ;;
		foreign1) cmds+="addr del $MN_COA_F1/$PLEN dev $MN_IF"$'\n'"route del $F1_PREFIX dev $MN_IF"$'\n' ;;
		foreign2) cmds+="addr del $MN_COA_F2/$PLEN dev $MN_IF"$'\n'"route del $F2_PREFIX dev $MN_IF"$'\n' ;;
		esac
	done
	cmds+="route flush proto ra"$'\n'
	ip -6 -n "$NS_MN" -force -batch - <<<"$cmds" >/dev/null 2>&1
	wait_for 5 _topo_mn_has_default_route
}

# Everything about the topology, for a failure report.
topo_dump() {
	local ns
	for ns in "$NS_HA" "$NS_MN" "$NS_CN" "$NS_RT"; do
		echo "## $ns"
		ip -n "$ns" -6 -br addr 2>&1
		ip -n "$ns" -6 route 2>&1
	done
	echo "## $NS_SW"
	ip -n "$NS_SW" -br link 2>&1
}

topo_cleanup() {
	local rc=$? i pid
	[ "$_topo_up" = 1 ] || return "$rc"
	_topo_up=0
	for ((i = ${#TOPO_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${TOPO_HOOKS[i]}" || :
	done
	for pid in "${TOPO_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${TOPO_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	ip -force -batch - 2>/dev/null <<EOF
netns del $NS_HA
netns del $NS_MN
netns del $NS_CN
netns del $NS_RT
netns del $NS_SW
EOF
	if [ -z "${VM_ARTIFACTS:-}" ]; then
		rm -rf "$TOPO_DIR"
	fi
	return "$rc"
}
