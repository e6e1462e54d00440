#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vm-init: systemd
# vm-timeout: 900
#
# debian-package: the built .deb ($MIP6_DEB_DIR, default $TOP/build/deb: tests/run-all's
# "debian package" step, or `dpkg-buildpackage -us -uc -b` with the .deb moved there) as an
# operator uses it, with systemd as PID 1. `apt-get install ./mip6d_*.deb` into the VM's
# overlay root (throwaway: a tmpfs over the host root). The VM is offline: the package's
# dependencies and recommends are on the host already through tests/deps.sh, and a check
# that apt would install nothing else comes first. Checks: the files
# are in place; installing started and enabled nothing. Then the HA as documented in
# doc/deployment.md: /etc/mip6d/ha.conf with IPsec through strongSwan, the packaged swanctl
# example in /etc/swanctl/conf.d and the charon snippet in /etc/strongswan.d,
# `systemctl start strongswan mip6-ha` (each put into the HA's namespace by a runtime
# drop-in); an MN (the installed mip6d as a transient unit, its own charon with the
# packaged MN example) registers from foreign1 through ESP SAs that the two charons
# negotiated. Reinstalling the package (the maintainer scripts run as for an upgrade)
# restarts the running HA (a new main PID, active again; whether the binding survived is
# logged, not asserted: bindings are not persisted yet, issue 11); `apt-get remove` stops it,
# removes the binaries and units and keeps /etc/mip6d; `apt-get purge` removes /etc/mip6d.
# A container's /usr/sbin/policy-rc.d on the host root (Docker's refuses every service
# action) is removed from the VM's root first: a booted Debian has none.

# shellcheck source=tests/vm/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"
# shellcheck source=tests/vm/lib/charon.sh
. "$(dirname "$0")/../lib/charon.sh"
# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

[ "$(cat /proc/1/comm)" = systemd ] || { echo "not ok - PID 1 is systemd (run with # vm-init: systemd)"; exit 1; }
mkdir -p "$TOPO_DIR"

# --- the package ---------------------------------------------------------------------------
deb_dir=${MIP6_DEB_DIR:-$TOP/build/deb}
shopt -s nullglob
debs=("$deb_dir"/mip6d_*.deb)
shopt -u nullglob
if [ "${#debs[@]}" != 1 ]; then
	echo "not ok - exactly one built package $deb_dir/mip6d_*.deb (found ${#debs[@]}: build it with tests/run-all or" \
		"'dpkg-buildpackage -us -uc -b' and move the .deb to $deb_dir)"
	exit 1
fi
deb=${debs[0]}
pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}' mip6d 2>/dev/null | tr -d ' '; }
check "mip6d is not installed before the test (dpkg status '$(pkg_status)')" \
	sh -c "! dpkg-query -W -f='\${db:Status-Status}' mip6d 2>/dev/null | grep -qx installed"
# Left by the host's boot should mip6d's tmpfiles.d entry be on the host root (a `make
# install` there): removed, so that the check below sees what the package's postinst made.
rm -f /run/mip6d.ctl
# A container image's /usr/sbin/policy-rc.d (Docker's says 101: never start or stop a
# service) on the host root would make deb-systemd-invoke skip every start, restart and stop
# and the checks below pass or fail for that reason; a booted system has none.
if [ -e /usr/sbin/policy-rc.d ]; then
	topo_log "removed the host's /usr/sbin/policy-rc.d from the VM's root ($(grep -m1 -o 'exit [0-9]*' /usr/sbin/policy-rc.d))"
	rm -f /usr/sbin/policy-rc.d
fi
check "no policy-rc.d: maintainer scripts act on the units as on a booted Debian" test ! -e /usr/sbin/policy-rc.d
# The man-db trigger would rebuild the man page index (slow under TCG, irrelevant here).
rm -f /var/lib/man-db/auto-update
# A Docker image's apt.conf.d/docker-clean (Dir::Cache::pkgcache "") on the host root makes every
# apt-get rebuild its package cache from all the package lists (19 MB, gzip-compressed there),
# each time, slow under TCG; a booted Debian keeps the cache (/var/cache/apt/*.bin, in the
# VM's throwaway overlay here): the first apt-get below builds it, the others reuse it.
if [ -e /etc/apt/apt.conf.d/docker-clean ]; then
	topo_log "removed the host's /etc/apt/apt.conf.d/docker-clean from the VM's root: apt keeps its package cache"
	rm -f /etc/apt/apt.conf.d/docker-clean
fi
mkdir -p /var/log/apt
export DEBIAN_FRONTEND=noninteractive
apt_q() { apt-get -q -y -o Dpkg::Use-Pty=0 "$@" >>"$TOPO_DIR/apt.log" 2>&1; }
# The VM is offline: apt must find every dependency and recommend installed already (the
# host has them through tests/deps.sh). apt's --no-download cannot be used with a .deb
# file ("Internal Error, Pathname to install is not absolute", apt 2.6); a simulation says
# instead that mip6d is the only package apt would install.
inst=$(apt-get -s install "$deb" 2>&1 | sed -n 's/^Inst \([^ ]*\) .*/\1/p' | tr '\n' ' ')
check "apt-get -s install: only mip6d to install, everything else present (would install: $inst)" \
	test "$inst" = "mip6d "
t=$(now_us)
if apt_q install "$deb"; then
	ok "apt-get install ./${deb##*/} ($(secs_since "$t") s)"
else
	not_ok "apt-get install $deb"
	tail -n 30 "$TOPO_DIR/apt.log" | sed 's/^/#   /'
	exit 1
fi
check "dpkg status: ii ($(pkg_status))" test "$(pkg_status)" = ii
UNITDIR=/lib/systemd/system
DOC=/usr/share/doc/mip6d
files_present() {
	local f missing=0
	for f in /usr/sbin/mip6d /usr/sbin/mip6ctl "$UNITDIR"/mip6-{ha,mn,cn}.service \
		/usr/lib/tmpfiles.d/mip6d.conf /usr/share/man/man8/mip6d.8.gz /usr/share/man/man8/mip6ctl.8.gz \
		/usr/share/man/man5/mip6d.conf.5.gz "$DOC"/examples/mip6d-{ha,mn,cn}.conf \
		"$DOC"/swanctl/{ha,mn,ha-x509,mn-x509}/swanctl.conf "$DOC"/swanctl/strongswan.d/mip6d-mn.conf \
		"$DOC"/swanctl/make-test-certs.sh "$DOC"/copyright "$DOC"/changelog.gz; do
		[ -e "$f" ] || { echo "# missing: $f"; missing=1; }
	done
	[ -d /etc/mip6d ] || { echo "# missing: /etc/mip6d/"; missing=1; }
	return $missing
}
check "installed: mip6d, mip6ctl, 3 units, tmpfiles.d, 3 man pages, examples, swanctl examples, /etc/mip6d/" files_present
frag=$(systemctl show -p FragmentPath --value mip6-ha.service)
check "systemd loads the packaged unit ($frag), not another mip6-ha.service on the host" \
	test -n "$frag" -a "$(readlink -f "$frag")" = "$(readlink -f "$UNITDIR/mip6-ha.service")"
check "the unit runs the packaged binary: ExecStart=/usr/sbin/mip6d -c /etc/mip6d/ha.conf" \
	grep -q '^ExecStart=/usr/sbin/mip6d -c /etc/mip6d/ha.conf ' "$UNITDIR/mip6-ha.service"
states() { # states VERB: systemctl VERB of the three units, on one line
	local u out=
	for u in mip6-ha mip6-mn mip6-cn; do out+="$(systemctl "$1" "$u.service" 2>/dev/null) "; done
	echo "$out"
}
check "installing started nothing: is-active $(states is-active)" test "$(states is-active)" = "inactive inactive inactive "
check "installing enabled nothing: is-enabled $(states is-enabled)" test "$(states is-enabled)" = "disabled disabled disabled "
check "no mip6d process" sh -c '! pgrep -x mip6d >/dev/null'
check "the tmpfiles.d link was created (postinst: systemd-tmpfiles --create)" \
	test "$(readlink /run/mip6d.ctl)" = mip6d/mip6d.ctl

# --- configuration as an operator writes it -------------------------------------------------
topo_setup || exit 1
topo_sysctl "$NS_HA" "net.ipv6.neigh.$HA_IF.retrans_time_ms=100"
topo_at_exit "systemctl stop mip6-mn-test.service mip6-ha.service strongswan.service 2>/dev/null"
topo_at_exit "journalctl -b -o short-monotonic --no-pager >'$TOPO_DIR/journal.log' 2>&1"

ipsec_set="IPsecPolicySet {
	HomeAgentAddress $HA_ADDR;
	HomeAddress $MN_HOA/64;
	IPsecPolicy HomeRegBinding UseESP 1000000001;
	IPsecPolicy TunnelHomeTesting UseESP 1000000002;
	IPsecPolicy MobPfxDisc UseESP 1000000003;
}"
# The HA: the default ViciSocket (/var/run/charon.vici, the system charon's).
cat >/etc/mip6d/ha.conf <<EOF
NodeConfig HA;
Interface "$HA_IF";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
HaMaxBindingLife 600;
$ipsec_set
EOF
cp "$DOC/swanctl/ha/swanctl.conf" /etc/swanctl/conf.d/mip6d-ha.conf
# The home agent needs no strongswan.conf setting (doc/deployment.md).
cat >"$TOPO_DIR/mn.conf" <<EOF
NodeConfig MN;
Interface "$MN_IF";
UseMnHaIPsec enabled;
KeyMngMobCapability enabled;
ViciSocket "/run/charon-mn.vici";
MnMaxHaBindingLife 300;
MnHomeLink "$MN_IF" {
	HomeAddress $MN_HOA/64;
	HomeAgentAddress $HA_ADDR;
}
$ipsec_set
EOF
# The units run in the init network namespace; these put them into the HA's.
for u in mip6-ha strongswan; do
	mkdir -p "/run/systemd/system/$u.service.d"
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\n' "$NS_HA" \
		>"/run/systemd/system/$u.service.d/50-mip6vm.conf"
done
systemctl daemon-reload

# --- start the HA ---------------------------------------------------------------------------
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
ha_conns() { swanctl --list-conns 2>/dev/null | grep -q '^mip6-mn1: IKEv2'; }
check "the system charon loaded the packaged HA example (swanctl --list-conns: mip6-mn1)" wait_for 10 ha_conns
hactl() { mip6ctl -s /run/mip6d/mip6d.ctl "$@"; }
hactl_ok() { hactl status >/dev/null 2>&1; }
check "mip6ctl status answers on the unit's socket" wait_for 5 hactl_ok
vici_up() { journalctl -u mip6-ha -o cat --no-pager | grep -qi 'vici.*connected\|connected.*vici'; }
if wait_for 5 vici_up 2>/dev/null; then topo_log "the HA's journal mentions its VICI connection"; fi

# --- an MN registers through it --------------------------------------------------------------
charon_start "$NS_MN" mn "$DOC/swanctl/mn" || { not_ok "charon on the MN with the packaged MN example"; exit 1; }
t=$(now_us)
if systemd-run --quiet --unit=mip6-mn-test --service-type=notify \
	-p "NetworkNamespacePath=/run/netns/$NS_MN" /usr/sbin/mip6d -c "$TOPO_DIR/mn.conf" -s /run/mip6-mn.ctl; then
	ok "systemd-run the MN with the packaged /usr/sbin/mip6d ($(secs_since "$t") s)"
else
	not_ok "systemd-run the MN"
	journalctl -u mip6-mn-test --no-pager | tail -n 20 | sed 's/^/#   /'
	exit 1
fi
bul_is() { mip6ctl -s /run/mip6-mn.ctl --json bul | grep -q "$1"; }
check "MN at home" wait_for 15 bul_is '"location":"home"'
# At home, mip6d has its charon bring the MN-HA SAs up (IKE from the HoA on the home link);
# the IKE SA then follows the MN with each move (K bit). Moving before it is up would leave
# the IKE_SA_INIT unanswered at the old address.
ipsec_up() { mip6ctl -s /run/mip6-mn.ctl --json ipsec | grep -qE '"reqids":\[([0-9]+,)*1000000001[],]'; }
check "MN at home: the MN-HA CHILD_SA (reqid 1000000001) is up through VICI" wait_for 60 ipsec_up
ha_sa() { swanctl --list-sas 2>/dev/null | grep -q 'ESTABLISHED'; }
check "the system charon on the HA has the IKE SA with the MN (swanctl --list-sas: ESTABLISHED)" wait_for 10 ha_sa
bc_has() { hactl --json bc | grep -q "\"hoa\":\"$MN_HOA\",\"coa\":\"$1\",\"ha\":\"[^\"]*\",\"state\":\"valid\""; }
t=$(now_us)
topo_move_mn foreign1 || not_ok "move to foreign1"
check "foreign1: MN registered with CoA $MN_COA_F1" \
	wait_for 40 bul_is "\"coa\":\"$MN_COA_F1\",\"state\":\"registered\"[^]]*\"last_status\":0"
check "foreign1: the HA's binding cache has $MN_HOA -> $MN_COA_F1 ($(secs_since "$t") s)" wait_for 5 bc_has "$MN_COA_F1"
check "foreign1: the HA's IKE SA moved to the CoA (swanctl --list-sas: $MN_COA_F1)" \
	wait_for 10 sh -c "swanctl --list-sas 2>/dev/null | grep -q '$MN_COA_F1'"
check "the CN reaches the HoA through the HA" wait_for 15 topo_ping "$NS_CN" "$MN_HOA"

# --- upgrade: the same package again ----------------------------------------------------------
# postinst configure with the old version: deb-systemd-invoke try-restart of the units
# (dh_installsystemd --no-start --restart-after-upgrade); prerm does not stop them.
ha_pid=$(systemctl show -p MainPID --value mip6-ha)
t=$(now_us)
if apt_q install --reinstall "$deb"; then
	ok "apt-get install --reinstall (as an upgrade) ($(secs_since "$t") s)"
else
	not_ok "apt-get install --reinstall $deb"
	tail -n 30 "$TOPO_DIR/apt.log" | sed 's/^/#   /'
fi
new_pid=$(systemctl show -p MainPID --value mip6-ha)
check "the upgrade restarted the running HA: active, main PID $ha_pid -> $new_pid" \
	test "$(systemctl is-active mip6-ha)" = active -a "$new_pid" != "$ha_pid" -a "$new_pid" != 0
check "the upgrade left mip6-mn and mip6-cn stopped and all three disabled: $(states is-active)/ $(states is-enabled)" \
	test "$(states is-active)$(states is-enabled)" = "active inactive inactive disabled disabled disabled "
check "mip6ctl status answers after the restart" wait_for 5 hactl_ok
# Bindings are not kept across a restart yet (issue 11): the restarted HA starts with an
# empty binding cache until the MN's next BU. Logged, not asserted.
if bc_has "$MN_COA_F1"; then
	topo_log "after the restart the HA has the binding"
else
	topo_log "after the restart the HA's binding cache is empty (bindings not persisted: issue 11)"
fi

# --- remove -----------------------------------------------------------------------------------
systemctl stop mip6-mn-test.service
charon_stop mn
ha_pid=$(systemctl show -p MainPID --value mip6-ha)
t=$(now_us)
if apt_q remove mip6d; then
	ok "apt-get remove mip6d ($(secs_since "$t") s)"
else
	not_ok "apt-get remove mip6d"
	tail -n 30 "$TOPO_DIR/apt.log" | sed 's/^/#   /'
fi
check "remove: dpkg status rc ($(pkg_status))" test "$(pkg_status)" = rc
check "remove: mip6-ha stopped ($(systemctl is-active mip6-ha)), its process $ha_pid gone" \
	sh -c "[ \"\$(systemctl is-active mip6-ha)\" != active ] && ! kill -0 $ha_pid 2>/dev/null"
check "remove: the HA removed its tunnel device" sh -c "! ip -n '$NS_HA' link show mip6tnl0 >/dev/null 2>&1"
check "remove: binaries and units gone" \
	sh -c "! test -e /usr/sbin/mip6d -o -e /usr/sbin/mip6ctl -o -e $UNITDIR/mip6-ha.service"
check "remove: /etc/mip6d/ha.conf kept" test -f /etc/mip6d/ha.conf

# --- purge ------------------------------------------------------------------------------------
t=$(now_us)
if apt_q purge mip6d; then
	ok "apt-get purge mip6d ($(secs_since "$t") s)"
else
	not_ok "apt-get purge mip6d"
	tail -n 30 "$TOPO_DIR/apt.log" | sed 's/^/#   /'
fi
check "purge: dpkg knows no mip6d files ($(pkg_status))" \
	sh -c "! dpkg-query -W -f='\${db:Status-Status}' mip6d 2>/dev/null | grep -qx 'installed\|config-files'"
check "purge: /etc/mip6d removed" test ! -e /etc/mip6d
systemctl stop strongswan
rm -f /etc/swanctl/conf.d/mip6d-ha.conf

if [ "$fails" -gt 0 ]; then
	echo "# apt log (tail):"
	tail -n 40 "$TOPO_DIR/apt.log" | sed 's/^/#   /'
	echo "# journal of the units (tail):"
	journalctl -u mip6-ha -u strongswan -u mip6-mn-test -o short-monotonic --no-pager | tail -n 60 | sed 's/^/#   /'
fi
[ "$fails" = 0 ]
