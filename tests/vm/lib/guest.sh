#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest side of tests/vm/run, started by the initramfs's PID 1 once the host root is mounted.
# Runs the scenarios named in tests/vm/results/KERNEL/.job.PID one after the other, each in fresh
# namespaces (pid, mount, net: `unshare --kill-child` so nothing it started survives it) with
# fresh tmpfs on /run /tmp /var/tmp /var/log, under a timeout.  Writes results/KERNEL/NAME.log and
# results/KERNEL/NAME.status (read by the host) and prints PASS:/FAIL: lines.
#
#   guest.sh                    (no argument) the whole run
#   guest.sh --scenario NAME    internal: the part that runs inside the new namespaces
#   guest.sh --systemd          the whole run as a systemd service (PID 1 is systemd, see
#                               lib/systemd-boot.sh): scenarios run in the init namespaces,
#                               where systemd and its units are, with the system's own /run,
#                               /tmp and /var/log; a boot runs one such scenario

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
export HOME=/root
umask 022

TOP=$(sed -n 's/.*mip6vm\.top=\([^ ]*\).*/\1/p' /proc/cmdline)
export TOP
# The host names the results directory (one per kernel) in the job file; a scenario run
# inherits it from the run that started it.
VM_RESULTS=${VM_RESULTS:-$TOP/tests/vm/results}
export VM_RESULTS

if [ "${1:-}" = --scenario ]; then
	# Inside the scenario's own pid/mount/net namespaces.
	VM_SCENARIO=$2
	# The tree may live below one of the directories about to get a fresh tmpfs (a CI
	# clone in /tmp): hold it on a bind mount and put it back afterwards.
	mkdir -p /mnt/.mip6top && mount --bind "$TOP" /mnt/.mip6top || exit 99
	for d in /run /tmp /var/tmp /var/log; do
		mount -t tmpfs -o mode=1777 tmpfs "$d" || exit 99
	done
	chmod 0755 /run /var/log
	if [ ! -d "$TOP/tests/vm" ]; then
		mkdir -p "$TOP" && mount --bind /mnt/.mip6top "$TOP" || exit 99
	fi
	mkdir -p /run/netns
	ip link set lo up
	cd /tmp || exit 99
	export VM_SCENARIO
	export VM_ARTIFACTS=$VM_RESULTS/$VM_SCENARIO
	mkdir -p "$VM_ARTIFACTS"
	if [ "${V:-0}" = 1 ]; then
		exec /bin/bash -x "$TOP/tests/vm/scenarios/$VM_SCENARIO.sh"
	fi
	exec /bin/bash "$TOP/tests/vm/scenarios/$VM_SCENARIO.sh"
fi

SYSTEMD=0
if [ "${1:-}" = --systemd ]; then
	SYSTEMD=1
else
	stty -onlcr 2>/dev/null
fi
job=$(sed -n 's/.*mip6vm\.job=\([^ ]*\).*/\1/p' /proc/cmdline)
# shellcheck source=/dev/null
. "$job" || { echo "guest: no job file $job"; exit 1; }
export V MIP6_VM_KEEP VM_RESULTS
KREL=$(uname -r)

echo "mip6vm: ready $(cut -d' ' -f1 /proc/uptime)"
if [ "$SYSTEMD" = 1 ] && [ "${V:-0}" = 1 ]; then
	# (systemd-analyze needs a finished boot; this service is part of it)
	journalctl -b -o short-monotonic --no-pager _PID=1 2>&1 | sed 's/^/mip6vm: /'
	systemctl list-units --failed --no-legend --no-pager 2>&1 | sed 's/^/mip6vm: failed: /'
fi

# shellcheck disable=SC2086
if ! modprobe -a -q $VM_MODULES; then
	for m in $VM_MODULES; do
		modprobe -q "$m" || echo "mip6vm-guest: warning: cannot load module $m"
	done
fi
echo "mip6vm: modules loaded $(cut -d' ' -f1 /proc/uptime)"
# The kernel builds and self-tests an ESP algorithm the first time an SA uses it. Under TCG
# on a loaded host that took 24 s for rfc4106(gcm(aes)) (the swanctl proposals' aes128gcm16),
# inside charon's window for the first CHILD_SA. Do it once per boot, before any scenario.
warm_esp() { # warm_esp ALGORITHM-ARGS...: one throwaway SA in the init namespace
	ip xfrm state add src ::1 dst ::1 proto esp spi 0x4d495036 mode transport "$@" &&
		ip xfrm state del src ::1 dst ::1 proto esp spi 0x4d495036
}
warm_esp aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 ||
	echo "mip6vm-guest: warning: rfc4106(gcm(aes)) is not available"
warm_esp enc 'cbc(aes)' 0x0102030405060708090a0b0c0d0e0f10 \
	auth-trunc 'hmac(sha256)' 0x0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10 128 ||
	echo "mip6vm-guest: warning: cbc(aes)+hmac(sha256) is not available"
echo "mip6vm: ESP algorithms ready $(cut -d' ' -f1 /proc/uptime)"

elapsed() {
	local now=${EPOCHREALTIME//[.,]/} then=${1//[.,]/}
	local ms=$(((now - then) / 1000))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# shellcheck disable=SC2153 # VM_SCENARIOS comes from the job file
for s in $VM_SCENARIOS; do
	t=180
	for x in $VM_TIMEOUTS; do
		[ "${x%:*}" = "$s" ] && t=${x##*:}
	done
	log=$VM_RESULTS/$s.log
	echo "=== $s (timeout $t s)"
	t0=$EPOCHREALTIME
	if [ "$SYSTEMD" = 1 ]; then
		# No private namespaces: the scenario starts units, and PID 1 must see its
		# network namespaces (/run/netns) and files.  Whatever it leaves running goes
		# with this service and the power-off that follows it.
		(
			export VM_SCENARIO=$s VM_ARTIFACTS=$VM_RESULTS/$s
			mkdir -p "$VM_ARTIFACTS" && cd /tmp || exit 99
			x=
			[ "${V:-0}" = 1 ] && x=-x
			exec timeout -k 5 "$t" /bin/bash ${x:+"$x"} "$TOP/tests/vm/scenarios/$s.sh" </dev/null 2>&1
		) | tee "$log"
	else
		timeout -k 5 "$t" unshare --kill-child --pid --fork --mount-proc --mount --net \
			/bin/bash "$0" --scenario "$s" </dev/null 2>&1 | tee "$log"
	fi
	rc=${PIPESTATUS[0]}
	dt=$(elapsed "$t0")
	case $rc in
	0) st="PASS: $s [$KREL] ($dt s)" ;;
	77) st="SKIP: $s [$KREL] (exit 77, $dt s)" ;;
	124 | 137) st="FAIL: $s [$KREL] (timeout after $t s)" ;;
	*) st="FAIL: $s [$KREL] (exit $rc, $dt s)" ;;
	esac
	echo "$st" | tee -a "$log"
	echo "$st" >"$VM_RESULTS/$s.status"
	if [ "$rc" = 0 ] && [ "${MIP6_VM_KEEP:-0}" != 1 ]; then
		rm -rf "${VM_RESULTS:?}/$s"
	else
		rmdir "$VM_RESULTS/$s" 2>/dev/null
	fi
done
echo "mip6vm: done $(cut -d' ' -f1 /proc/uptime)"
