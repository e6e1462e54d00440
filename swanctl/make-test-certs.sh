#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-test-certs.sh DIR [HA_ID [MN_ID...]]
#
# Creates a test CA and ECDSA P-256 certificates for a home agent and mobile node(s) with
# strongSwan's `pki` tool (Debian package strongswan-pki), laid out as swanctl directories:
#
#   DIR/ca/ca.key, DIR/ca/ca.pem     the CA (keep ca.key off the MN and the HA)
#   DIR/ha/x509ca/ca.pem             copy DIR/ha/* into the HA's /etc/swanctl/
#   DIR/ha/x509/ha.pem   DIR/ha/private/ha.key
#   DIR/mn/x509ca/ca.pem             copy DIR/mn/* into the MN's /etc/swanctl/
#   DIR/mn/x509/MN_ID.pem   DIR/mn/private/MN_ID.key   (one pair per MN_ID)
#
# HA_ID defaults to ha.example.org, MN_ID to mn1.example.org: the subjectAltNames that
# ha-x509/swanctl.conf and mn-x509/swanctl.conf use as identities.  The certificates are
# for tests and as an example; a real deployment uses its own CA.  Existing files in DIR
# are overwritten.
set -eu

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	sed -n '4,18s/^# \{0,1\}//p' "$0"
	[ $# -ge 1 ] && exit 0
	exit 2
fi
dir=$1
ha_id=${2:-ha.example.org}
if [ $# -ge 3 ]; then
	shift 2
else
	set -- mn1.example.org
fi
command -v pki >/dev/null 2>&1 || {
	echo "make-test-certs.sh: no pki (install strongswan-pki)" >&2
	exit 1
}

# pki, without Debian's notes about plugins it was built with but that are packaged
# elsewhere ("plugin 'x': failed to load").
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
run_pki() {
	if pki "$@" 2>"$errs"; then
		grep -v "^plugin '.*': failed to load" "$errs" >&2 || :
	else
		grep -v "^plugin '.*': failed to load" "$errs" >&2 || :
		echo "make-test-certs.sh: pki $1 failed" >&2
		exit 1
	fi
}

umask 077
mkdir -p "$dir/ca" "$dir/ha/x509ca" "$dir/ha/x509" "$dir/ha/private" \
	"$dir/mn/x509ca" "$dir/mn/x509" "$dir/mn/private"

run_pki --gen --type ecdsa --size 256 --outform pem >"$dir/ca/ca.key"
run_pki --self --type ecdsa --in "$dir/ca/ca.key" --ca --lifetime 3650 \
	--dn "C=XX, O=mip6d test, CN=mip6d test CA" --outform pem >"$dir/ca/ca.pem"
cp "$dir/ca/ca.pem" "$dir/ha/x509ca/ca.pem"
cp "$dir/ca/ca.pem" "$dir/mn/x509ca/ca.pem"

# issue NAME ID KEYFILE CERTFILE (a new key, and its certificate)
issue() {
	run_pki --gen --type ecdsa --size 256 --outform pem >"$3"
	run_pki --issue --type priv --in "$3" --cacert "$dir/ca/ca.pem" --cakey "$dir/ca/ca.key" \
		--dn "C=XX, O=mip6d test, CN=$2" --san "$2" --lifetime 1095 \
		--flag serverAuth --flag clientAuth --outform pem >"$4"
}

issue ha "$ha_id" "$dir/ha/private/ha.key" "$dir/ha/x509/ha.pem"
for mn in "$@"; do
	issue mn "$mn" "$dir/mn/private/$mn.key" "$dir/mn/x509/$mn.pem"
done
chmod 644 "$dir"/ca/ca.pem "$dir"/*/x509ca/ca.pem "$dir"/*/x509/*.pem
echo "make-test-certs.sh: CA, $ha_id and $* in $dir"
