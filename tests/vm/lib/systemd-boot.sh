#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/lib/systemd-boot.sh ROOT TOP VERBOSE: run by the initramfs's /init (static
# busybox, before switch_root) when the kernel command line has mip6vm.init=systemd.
# Prepares the overlay root ROOT so that the host's systemd, as PID 1, boots straight into
# mip6vm.target: basic.target plus mip6vm-scenario.service, which runs
# `guest.sh --systemd` with its output on the serial console and powers the VM off when it
# ends, whatever its status.  Only the overlay (a tmpfs) is written; the host root is not.
#
# Masked: what cannot work in this VM (no disks, no udev, no real console login, no
# network manager) or only costs boot time under TCG.  `V=1 tests/vm/run NAME` prints
# `systemd-analyze blame` and the failed units at the start of a systemd scenario.

B=/bin/busybox
R=$1
TOP=$2
VERBOSE=${3:-0}
U=$R/etc/systemd/system

$B mkdir -p "$U" || exit 1

# The host's fstab and crypttab describe its disks, not this VM's: mounts and swap from
# them would wait 90 s for devices that never appear.
printf '# tests/vm: the root and its mounts are set up by the initramfs\n' >"$R/etc/fstab" || exit 1
printf '' >"$R/etc/crypttab"

# The host may be a container (a CI runner): its marker files would make systemd believe
# it runs in one too (console logging, container-only behaviour).  Whiteouts in the overlay.
$B rm -f "$R/.dockerenv" "$R/run/.containerenv"

mask() {
	for u in "$@"; do
		$B rm -f "$U/$u"
		$B ln -s /dev/null "$U/$u" || exit 1
	done
}
# Disks, swap, fsck, remounting the root (9p/overlay: set up already).
mask systemd-remount-fs.service systemd-fsck-root.service systemd-fsckd.service \
	systemd-repart.service systemd-growfs-root.service \
	cryptsetup.target veritysetup.target integritysetup.target swap.target \
	tmp.mount
# Special file systems nobody uses here (each a mount and sometimes a module).
mask proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-binfmt.service \
	sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
	sys-fs-fuse-connections.mount dev-hugepages.mount
# First boot, TPM measurements, random seed, clock, utmp, pstore, logins.
mask systemd-firstboot.service systemd-machine-id-commit.service \
	systemd-pcrphase.service systemd-pcrphase-sysinit.service \
	systemd-random-seed.service systemd-timesyncd.service systemd-update-utmp.service \
	systemd-pstore.service systemd-journal-flush.service e2scrub_reap.service \
	getty.target serial-getty@.service getty@.service console-getty.service \
	systemd-logind.service
# Users and groups: the host's /etc/passwd has them already.
mask systemd-sysusers.service
# Networking belongs to the scenario; timers (apt, man-db, fstrim…) must not fire.
mask systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
	systemd-resolved.service NetworkManager.service NetworkManager-wait-online.service \
	networking.service ifupdown-pre.service timers.target

# Generators (fstab, getty, gpt-auto, sysv, rc-local, postgresql…): none is needed, and
# running them from 9p under TCG costs ~5 s.  A symlink to /dev/null in /etc masks one.
$B mkdir -p "$R/etc/systemd/system-generators" || exit 1
for g in "$R"/lib/systemd/system-generators/* "$R"/usr/lib/systemd/system-generators/* \
	"$R"/usr/local/lib/systemd/system-generators/*; do
	[ -e "$g" ] || continue
	$B ln -sf /dev/null "$R/etc/systemd/system-generators/${g##*/}" || exit 1
done

# The scenario service: guest.sh runs the scenarios named in the job file, writes
# results/NAME.log and .status into the shared tree, then the VM powers off.
printf '%s\n' \
	'[Unit]' \
	'Description=tests/vm scenarios (guest.sh --systemd)' \
	'After=basic.target' \
	'SuccessAction=poweroff-force' \
	'FailureAction=poweroff-force' \
	'' \
	'[Service]' \
	'Type=oneshot' \
	"ExecStart=/bin/bash $TOP/tests/vm/lib/guest.sh --systemd" \
	'StandardInput=null' \
	'StandardOutput=tty' \
	'StandardError=inherit' \
	'TTYPath=/dev/console' \
	'TimeoutStartSec=infinity' \
	>"$U/mip6vm-scenario.service" || exit 1

printf '%s\n' \
	'[Unit]' \
	'Description=tests/vm scenario run' \
	'Requires=basic.target' \
	'After=basic.target' \
	'Wants=mip6vm-scenario.service' \
	'AllowIsolate=yes' \
	>"$U/mip6vm.target" || exit 1
$B rm -f "$U/default.target"
$B ln -s mip6vm.target "$U/default.target" || exit 1

# systemd's own messages: failures only (V=1: everything), on the serial console.
$B mkdir -p "$U/../system.conf.d"
if [ "$VERBOSE" = 1 ]; then
	status=yes
else
	status=error
fi
printf '%s\n' '[Manager]' "ShowStatus=$status" \
	>"$U/../system.conf.d/mip6vm.conf" || exit 1
exit 0
