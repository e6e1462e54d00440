#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-init: systemd
# vm-timeout: 300
#
# systemd: mip6d as a deployed service. The VM boots with the host's systemd as PID 1
# (lib/systemd-boot.sh); this scenario runs `make install` of the built tree into the VM's
# overlay root, then `systemctl start strongswan mip6-ha` with the shipped units, each put
# into the home agent's network namespace by a runtime drop-in (NetworkNamespacePath=), and
# the MN as a transient unit (systemd-run, Type=notify) in its own namespace. Checks: both
# units active; the daemon's STATUS= text; its journal entries with structured fields
# (MESSAGE_ID, CODE_FUNC) and the binding message's MESSAGE_ID after a registration, found
# by `journalctl MIP6_HOA=<HoA>` with its MIP6_HOA=/MIP6_COA= fields (HA and MN); a
# handover home -> foreign1 seen in the HA's binding cache through the unit's control socket;
# `systemctl reload` keeps the binding and counts the reload (a broken file fails the reload
# and changes nothing); the watchdog (WatchdogSec lowered to 5 s by the drop-in) never
# fires; the tmpfiles.d link; `systemctl stop` ends with status 0 and no kernel state left.
# Then mip6-cn, the shipped correspondent-node unit, in the CN's namespace: active, only
# CAP_CHOWN CAP_NET_ADMIN CAP_NET_RAW, its XFRM state installed, a hand-made CoTI answered with
# a CoT, its control socket in ControlSocketGroup, and a clean stop.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

[ "$(cat /proc/1/comm)" = systemd ] || { echo "not ok - PID 1 is systemd (run with # vm-init: systemd)"; exit 1; }
mkdir -p "$TOPO_DIR"

# --- make install -----------------------------------------------------------------------
builddir=${MIP6_BUILDDIR:-}
if [ -z "$builddir" ]; then
	if [ -f "$TOP/build/Makefile" ]; then builddir=$TOP/build; else builddir=$TOP; fi
fi
[ -f "$builddir/Makefile" ] || { echo "not ok - no Makefile in $builddir (build the tree first)"; exit 1; }

# make install writes to the VM's overlay root (a tmpfs). Should make find something out of
# date (the tree edited since its last build), it rebuilds in a tmpfs overlay on the tree,
# in a private mount namespace: the shared source tree is never written from here.
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
t=$(now_us)
if install_build >"$TOPO_DIR/make-install.log" 2>&1; then
	ok "make -C ${builddir#"$TOP"/} install ($(secs_since "$t") s)"
else
	not_ok "make -C $builddir install (out of date and not building? any rebuild happened in the VM's overlay, the tree was not written)"
	tail -n 30 "$TOPO_DIR/make-install.log" | sed 's/^/#   /'
	exit 1
fi
mkvar() { sed -n "s/^$1 = //p" "$builddir/Makefile" | head -n1; }
prefix=$(mkvar prefix)
unitdir=$(mkvar systemdsystemunitdir)
unitdir=${unitdir//\$(prefix)/$prefix}
unitdir=${unitdir//\$\{prefix\}/$prefix}
systemctl daemon-reload
if ! systemctl cat mip6-ha.service >/dev/null 2>&1; then
	# A prefix whose unit directory systemd does not read: link the units.
	systemctl link "$unitdir"/mip6-{ha,mn,cn}.service >/dev/null
fi
unit=$(systemctl show -p FragmentPath --value mip6-ha.service)
check "the installed unit is loaded: $unit" test -n "$unit" -a -f "$unit"
# The binaries and the configuration file as the installed unit names them.
read -r MIP6D HA_CONF < <(sed -n 's/^ExecStart=\([^ ]*\) -c \([^ ]*\) .*/\1 \2/p' "$unit")
MIP6CTL=${MIP6D%/mip6d}/mip6ctl
CTL=$(sed -n 's/^ExecStart=.* -s \([^ ]*\).*/\1/p' "$unit")
check "the unit runs the installed $MIP6D -c $HA_CONF -s $CTL" test -x "$MIP6D" -a -x "$MIP6CTL" -a -n "$CTL"

# --- topology, configuration, drop-ins ----------------------------------------------------
topo_setup || exit 1
# The HA's DAD for a new HoA waits RetransTimer of the home link (RFC 4862 §5.4): 100 ms here.
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
topo_at_exit "systemctl stop mip6-mn-test.service mip6-ha.service strongswan.service 2>/dev/null"
topo_at_exit "journalctl -b -o short-monotonic --no-pager >'$TOPO_DIR/journal.log' 2>&1"

# A group for mip6ctl users, a user who is in it only as a supplementary group, and one who is not.
groupadd -f mip6ctl
id mip6op >/dev/null 2>&1 || useradd --system --user-group --groups mip6ctl --no-create-home mip6op
id mip6out >/dev/null 2>&1 || useradd --system --user-group --no-create-home mip6out
mkdir -p "${HA_CONF%/*}"
cat >"$HA_CONF" <<EOF
NodeConfig HA;
ControlSocketGroup "mip6ctl";
Interface "$HA_IF";
UseMnHaIPsec disabled;
HaMaxBindingLife 600;
EOF
cat >"$TOPO_DIR/mn.conf" <<EOF
NodeConfig MN;
Interface "$MN_IF";
UseMnHaIPsec disabled;
MnMaxHaBindingLife 300;
MnHomeLink "$MN_IF" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}
EOF

# The units run in the init network namespace; these put them into the HA's. The watchdog
# period is lowered so that a missed ping would show within the scenario.
WD=5
for u in mip6-ha strongswan; do
	mkdir -p "/run/systemd/system/$u.service.d"
	{
		echo "[Service]"
		echo "NetworkNamespacePath=/run/netns/$NS_HA"
		[ "$u" = mip6-ha ] && echo "WatchdogSec=${WD}s"
	} >"/run/systemd/system/$u.service.d/50-mip6vm.conf"
done
systemctl daemon-reload

# --- start ---------------------------------------------------------------------------------
t=$(now_us)
if systemctl start strongswan mip6-ha; then
	ok "systemctl start strongswan mip6-ha ($(secs_since "$t") s)"
else
	not_ok "systemctl start strongswan mip6-ha"
	systemctl status --no-pager -n 30 strongswan mip6-ha 2>&1 | sed 's/^/#   /'
	exit 1
fi
check "systemctl is-active mip6-ha strongswan: active" \
	test "$(systemctl is-active mip6-ha strongswan | tr '\n' ' ')" = "active active "
check "strongswan runs in the HA's namespace" \
	test "$(readlink "/proc/$(systemctl show -p MainPID --value strongswan)/ns/net")" = \
	"$(ip netns exec "$NS_HA" readlink /proc/self/ns/net)"
status_text() { systemctl show -p StatusText --value mip6-ha; }
status_has() { [[ $(status_text) == *"$1"* ]]; }
check "StatusText: $(status_text)" status_has "HA: running, config $HA_CONF (reloads 0, failed 0)"
ha_pid=$(systemctl show -p MainPID --value mip6-ha)
check "mip6d runs in the HA's namespace with only CAP_CHOWN CAP_NET_ADMIN CAP_NET_RAW" \
	sh -c "[ \"\$(readlink /proc/$ha_pid/ns/net)\" = \"\$(ip netns exec '$NS_HA' readlink /proc/self/ns/net)\" ] &&
		grep -q '^CapEff:.*0000000000003001$' /proc/$ha_pid/status"
hactl() { "$MIP6CTL" -s "$CTL" "$@"; }
hactl_ok() { hactl status >/dev/null 2>&1; }
check "mip6ctl -s $CTL status answers" wait_for 5 hactl_ok
check "the HA made its tunnel device in its namespace" sh -c "ip -n '$NS_HA' link show mip6tnl0 >/dev/null"

# --- the control socket's group (CAP_CHOWN in the unit; supplementary groups; idle timeout) ---
check "the control socket belongs to ControlSocketGroup mip6ctl, mode 0660" \
	test "$(stat -c '%G %a' "$CTL")" = "mip6ctl 660"
as_user() { # as_user USER CMD...: with the user's groups from the user database
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups "$@"
}
check "mip6op (mip6ctl only as a supplementary group) runs mip6ctl status" \
	sh -c "$(declare -f as_user); as_user mip6op '$MIP6CTL' -s '$CTL' status | grep -q '^role: HA'"
check "mip6op may read but not change state: mip6ctl reload is refused (needs root)" \
	sh -c "$(declare -f as_user); as_user mip6op '$MIP6CTL' -s '$CTL' reload 2>&1 | grep -q 'needs root'"
no_reload_yet() { hactl status | grep -q '^reloads: 0 '; }
check "the refused reload did not happen (reloads: 0)" no_reload_yet
check "mip6out (not in mip6ctl) is refused" sh -c "$(declare -f as_user); ! as_user mip6out '$MIP6CTL' -s '$CTL' status >/dev/null 2>&1"
idle_close_s() { # seconds until the daemon closes a connection that sends nothing
	python3 - "$CTL" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
t = time.monotonic()
s.settimeout(20)
s.recv(1)
print("%.1f" % (time.monotonic() - t))
PY
}
idle=$(idle_close_s)
check "an idle control connection is dropped after ${idle:-?} s (CTL_IDLE_TIMEOUT_SEC 5)" \
	awk -v t="${idle:-99}" 'BEGIN { exit !(t >= 4.5 && t <= 8) }'

jv() { journalctl -u mip6-ha -o verbose --no-pager 2>/dev/null; }
journal_has() { jv | grep -q "$1"; }
check "journal: the start message" wait_for 5 journal_has "MESSAGE=mip6d .* started as HA"
check "journal: structured fields CODE_FUNC= CODE_FILE= PRIORITY=" \
	sh -c "journalctl -u mip6-ha -o verbose --no-pager | grep -q 'CODE_FUNC=' &&
		journalctl -u mip6-ha -o verbose --no-pager | grep -q 'CODE_FILE=' &&
		journalctl -u mip6-ha -o verbose --no-pager | grep -q 'PRIORITY=6'"

# --- the MN, a transient unit in its namespace -------------------------------------------
t=$(now_us)
if systemd-run --quiet --unit=mip6-mn-test --service-type=notify \
	-p "NetworkNamespacePath=/run/netns/$NS_MN" -p WatchdogSec=30s \
	"$MIP6D" -c "$TOPO_DIR/mn.conf" -s /run/mip6-mn.ctl; then
	ok "systemd-run the MN (Type=notify) ($(secs_since "$t") s)"
else
	not_ok "systemd-run the MN"
	journalctl -u mip6-mn-test --no-pager | tail -n 20 | sed 's/^/#   /'
	exit 1
fi
bul_is() { "$MIP6CTL" -s /run/mip6-mn.ctl --json bul | grep -q "$1"; }
check "MN at home" wait_for 10 bul_is '"location":"home"'

# --- handover ------------------------------------------------------------------------------
bc_has() { hactl --json bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$1\",\"ha\":\"[^\"]*\",\"state\":\"valid\""; }
t=$(now_us)
topo_move_mn foreign1 || not_ok "move to foreign1"
check "foreign1: MN registered with CoA $MN_COA_F1" \
	wait_for 20 bul_is "\"coa\":\"$MN_COA_F1\",\"state\":\"registered\"[^]]*\"last_status\":0"
check "foreign1: mip6ctl --json bc on the HA shows $MN_COA_F1 ($(secs_since "$t") s)" wait_for 5 bc_has "$MN_COA_F1"
check "journal: MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000001 binding $MN_HOA -> $MN_COA_F1" \
	wait_for 5 sh -c "journalctl -u mip6-ha MESSAGE_ID=6d1e0a5e2b8c4f0f9a3c1b7d00000001 -o cat --no-pager |
		grep -q 'binding $MN_HOA -> $MN_COA_F1 accepted'"
# journal_fields UNIT TEXT: `journalctl MIP6_HOA=<HoA>` finds UNIT's entry whose MESSAGE holds
# TEXT, and it carries MIP6_HOA=<HoA> and MIP6_COA=<the foreign1 CoA> as fields.
journal_fields() {
	journalctl -u "$1" -o json --no-pager "MIP6_HOA=$MN_HOA" | /usr/bin/python3 -c 'import json, sys
hoa, coa, text = sys.argv[1:4]
hits = [e for e in map(json.loads, sys.stdin) if text in e.get("MESSAGE", "")]
assert any(e.get("MIP6_HOA") == hoa and e.get("MIP6_COA") == coa for e in hits), hits' "$MN_HOA" "$MN_COA_F1" "$2"
}
check "journal: journalctl MIP6_HOA=$MN_HOA finds the HA's registration with MIP6_COA" \
	wait_for 5 journal_fields mip6-ha "binding $MN_HOA -> $MN_COA_F1 accepted"
check "journal: journalctl MIP6_HOA=$MN_HOA finds the MN's movement with MIP6_COA" \
	wait_for 5 journal_fields mip6-mn-test "care-of address $MN_COA_F1"
# Not asserted: the HA refreshes STATUS= only at start and reload, not when its binding
# cache changes (the MN does after each BA).
if status_has "1 binding"; then
	topo_log "StatusText counts the binding: $(status_text)"
else
	topo_log "known gap: StatusText not refreshed after the registration: $(status_text)"
fi
check "the CN reaches the HoA through the HA" wait_for 10 topo_ping "$NS_CN" "$MN_HOA"

# --- reload --------------------------------------------------------------------------------
echo "HaMaxBindingLife 900;" >>"$HA_CONF"
check "systemctl reload mip6-ha" systemctl reload mip6-ha
check "after the reload: StatusText shows reloads 1 ($(status_text))" status_has "(reloads 1, failed 0)"
check "after the reload: the binding is still in mip6ctl bc" bc_has "$MN_COA_F1"
check "after the reload: same main PID, still active" \
	test "$(systemctl show -p MainPID --value mip6-ha) $(systemctl is-active mip6-ha)" = "$ha_pid active"
cp "$HA_CONF" "$TOPO_DIR/ha.conf.good"
echo "NoSuchKeyword 1;" >>"$HA_CONF"
check "a broken file: systemctl reload fails" sh -c '! systemctl reload mip6-ha 2>/dev/null'
check "a broken file: still active, failed 1, binding kept ($(status_text))" \
	sh -c "systemctl is-active -q mip6-ha && systemctl show -p StatusText --value mip6-ha | grep -q 'reloads 1, failed 1' &&
		'$MIP6CTL' -s '$CTL' --json bc | grep -q '\"coa\":\"$MN_COA_F1\"'"
cp "$TOPO_DIR/ha.conf.good" "$HA_CONF"
check "journal: the failed reload logged with its file:line" \
	wait_for 5 sh -c "journalctl -u mip6-ha -o cat --no-pager | grep -q '${HA_CONF##*/}:[0-9]'"

# --- tmpfiles.d ----------------------------------------------------------------------------
check "systemd-tmpfiles --create mip6d.conf: mip6ctl's default /run/mip6d.ctl reaches the HA" \
	sh -c "systemd-tmpfiles --create mip6d.conf && '$MIP6CTL' status | grep -q 'HA'"

# --- watchdog ------------------------------------------------------------------------------
check "WatchdogUSec=$(systemctl show -p WatchdogUSec --value mip6-ha) (drop-in: ${WD}s)" \
	test "$(systemctl show -p WatchdogUSec --value mip6-ha)" = "${WD}s"
active_us() { # microseconds since mip6-ha became active
	local up
	up=$(cut -d' ' -f1 /proc/uptime)
	up=${up/./}0000
	echo $((up - $(systemctl show -p ActiveEnterTimestampMonotonic --value mip6-ha)))
}
long_enough() { [ "$(active_us)" -gt $((WD * 1500000)) ]; }
wait_for $((WD * 2)) long_enough >/dev/null
check "the watchdog never fired: active $(($(active_us) / 1000000)) s (> 1.5 x ${WD} s), NRestarts=0, same PID" \
	test "$(systemctl show -p NRestarts --value mip6-ha) $(systemctl show -p MainPID --value mip6-ha) $(systemctl is-active mip6-ha)" = "0 $ha_pid active"

# --- stop ----------------------------------------------------------------------------------
check "systemctl stop mip6-ha" systemctl stop mip6-ha
check "mip6-ha inactive, ExecMainStatus=0, Result=success" \
	test "$(systemctl is-active mip6-ha) $(systemctl show -p ExecMainStatus --value mip6-ha) $(systemctl show -p Result --value mip6-ha)" = "inactive 0 success"
check "journal: mip6d stopped" wait_for 5 journal_has "MESSAGE=mip6d stopped"
check "the HA removed its routes (no proto 16)" \
	test -z "$(ip -n "$NS_HA" -6 route show table all proto 16)"
check "the HA removed its tunnel device" sh -c "! ip -n '$NS_HA' link show mip6tnl0 >/dev/null 2>&1"
check "no proxy ND entry for the HoA (the HA answers NSs itself, RFC 6275 §10.4.1)" sh -c "! ip -n '$NS_HA' -6 neigh show proxy | grep -q '$MN_HOA'"
check "systemctl stop strongswan mip6-mn-test" systemctl stop strongswan mip6-mn-test
check "strongswan inactive" test "$(systemctl is-active strongswan)" = inactive

# --- mip6-cn: the correspondent node's unit (issue 12 item 6) -------------------------------
# The shipped unit, put into the CN's namespace. It conflicts with mip6-ha (one mip6d per host),
# which is stopped above. Needs: CAP_NET_ADMIN (its XFRM states at start: kernel_hao), CAP_NET_RAW
# (the MH socket: a CoTI gets a CoT), CAP_CHOWN (the control socket's group); nothing else.
cn_unit=$(systemctl show -p FragmentPath --value mip6-cn.service)
read -r _ CN_CONF < <(sed -n 's/^ExecStart=\([^ ]*\) -c \([^ ]*\) .*/\1 \2/p' "$cn_unit")
CN_CTL=$(sed -n 's/^ExecStart=.* -s \([^ ]*\).*/\1/p' "$cn_unit")
mkdir -p "${CN_CONF%/*}"
printf 'NodeConfig CN;\nControlSocketGroup "mip6ctl";\n' >"$CN_CONF"
mkdir -p /run/systemd/system/mip6-cn.service.d
printf '[Service]\nNetworkNamespacePath=/run/netns/%s\nWatchdogSec=%ss\n' "$NS_CN" "$WD" \
	>/run/systemd/system/mip6-cn.service.d/50-mip6vm.conf
systemctl daemon-reload
topo_at_exit "systemctl stop mip6-cn.service 2>/dev/null"
check "systemctl start mip6-cn ($cn_unit, $CN_CONF)" systemctl start mip6-cn
cn_pid=$(systemctl show -p MainPID --value mip6-cn)
check "mip6-cn active, StatusText: $(systemctl show -p StatusText --value mip6-cn)" \
	sh -c "systemctl is-active -q mip6-cn && systemctl show -p StatusText --value mip6-cn | grep -q '^CN: running, config $CN_CONF'"
check "the CN runs in its namespace with only CAP_CHOWN CAP_NET_ADMIN CAP_NET_RAW (CapEff, CapBnd)" \
	sh -c "[ \"\$(readlink /proc/$cn_pid/ns/net)\" = \"\$(ip netns exec '$NS_CN' readlink /proc/self/ns/net)\" ] &&
		grep -q '^CapEff:.*0000000000003001$' /proc/$cn_pid/status && grep -q '^CapBnd:.*0000000000003001$' /proc/$cn_pid/status"
cnctl() { "$MIP6CTL" -s "$CN_CTL" "$@"; }
cn_json_has() { cnctl --json status 2>/dev/null | grep -q "$1"; }
check "mip6ctl status on the CN's socket: its XFRM Home Address option state is installed (kernel_hao)" \
	wait_for 10 cn_json_has '"kernel_hao":true'
check "the CN's control socket belongs to ControlSocketGroup mip6ctl, mode 0660" \
	test "$(stat -c '%G %a' "$CN_CTL")" = "mip6ctl 660"
# A Care-of Test Init (RFC 6275 §6.1.4) from the MN's care-of address, laid out by hand: the CN
# answers with a Care-of Test (§6.1.6) echoing the cookie, sent from inside the sandbox.
coti_cot() {
	ip netns exec "$NS_MN" /usr/bin/python3 - "$MN_COA_F1" "$CN_ADDR" <<'PY'
import os, select, socket, struct, sys, time
coa, cn = sys.argv[1:3]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 4)  # the MH checksum (RFC 6275 §6.1.1)
s.bind((coa, 0))
cookie = os.urandom(8)
coti = struct.pack("!BBBBHH", 59, 1, 2, 0, 0, 0) + cookie  # 16 octets: Header Len 1
end = time.monotonic() + 8
while time.monotonic() < end:
    s.sendto(coti, (cn, 0))
    t = time.monotonic() + 1
    while time.monotonic() < t:
        if not select.select([s], [], [], max(0, t - time.monotonic()))[0]:
            break
        data, src = s.recvfrom(2048)
        if src[0] == cn and len(data) >= 24 and data[2] == 4 and data[8:16] == cookie:
            print("CoT from %s, nonce index %d" % (src[0], struct.unpack("!H", data[6:8])[0]))
            sys.exit(0)
sys.exit(1)
PY
}
cot=$(coti_cot 2>&1)
cot_st=$?
check "a CoTI from $MN_COA_F1 gets the CN's CoT with its cookie (${cot:-none}), counted in cot_sent" \
	sh -c "[ $cot_st = 0 ] && '$MIP6CTL' -s '$CN_CTL' --json status | grep -q '\"cot_sent\":[1-9]'"
check "systemctl stop mip6-cn: inactive, ExecMainStatus=0, Result=success" \
	sh -c "systemctl stop mip6-cn && test \"\$(systemctl is-active mip6-cn) \$(systemctl show -p ExecMainStatus --value mip6-cn) \$(systemctl show -p Result --value mip6-cn)\" = 'inactive 0 success'"
check "the CN left no XFRM state or policy" \
	test -z "$(ip -n "$NS_CN" xfrm state; ip -n "$NS_CN" xfrm policy)"

if [ "$fails" -gt 0 ]; then
	echo "# journal of the units (tail):"
	journalctl -u mip6-ha -u strongswan -u mip6-mn-test -o short-monotonic --no-pager | tail -n 60 | sed 's/^/#   /'
fi
[ "$fails" = 0 ]
