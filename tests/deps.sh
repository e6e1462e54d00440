#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian 12 packages mip6d's build, tests and demo need.
# Runs `apt-get update` first, then installs only what is missing. Root only.
set -euo pipefail

PKGS_BUILD="gcc make autoconf automake libtool pkg-config libnl-3-dev libnl-route-3-dev
 libnl-xfrm-3-dev libsystemd-dev libssl-dev libjson-c-dev check clang libclang-rt-14-dev groff-base"
# The Debian package (debian/, tests/run-all's "debian package" step): debhelper (which pulls
# dh-autoreconf for compat 13's dh_autoreconf), dpkg-dev (dpkg-buildpackage) and lintian.
# build-essential: dpkg-checkbuilddeps requires it implicitly. No fakeroot: debian/control
# says Rules-Requires-Root: no.
PKGS_DEB="build-essential debhelper dh-autoreconf dpkg-dev lintian"
PKGS_VM="qemu-system-x86 busybox-static kmod cpio xz-utils zstd iproute2 iputils-ping procps python3 systemd tcpdump tshark
 radvd charon-systemd strongswan-swanctl strongswan-pki libstrongswan-standard-plugins python3-scapy"

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi
# shellcheck disable=SC2086
missing=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $PKGS_BUILD $PKGS_DEB $PKGS_VM 2>/dev/null |
	awk '$2 == "installed" { print $1 }' | sort > /tmp/.mip6d-have.$$;
	for p in $PKGS_BUILD $PKGS_DEB $PKGS_VM; do grep -qx "$p" /tmp/.mip6d-have.$$ || echo "$p"; done;
	rm -f /tmp/.mip6d-have.$$)
export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
apt-get update -q >/dev/null
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	echo "deps: installing" $missing
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/tmp/mip6d-apt.log 2>&1 || {
		tail -30 /tmp/mip6d-apt.log >&2
		exit 1
	}
else
	echo "deps: all packages present"
fi
