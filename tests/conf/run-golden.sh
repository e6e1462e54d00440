#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests of the configuration parser, through the real `mip6d -n`:
#   NN-name.conf      must parse; stdout must equal NN-name.ok; stderr (the warnings the daemon
#                     would log) must equal NN-name.warn, or be empty when there is none
#   bad-NN-name.conf  must fail with exit 1; the message must equal bad-NN-name.err
#   doc/examples/*.conf must parse; stdout must equal example-NAME.ok
# Runs from tests/conf so that file names in messages are relative and stable.
# The built-in ControlSocket default depends on configure's runstatedir and is
# shown as @RUNSTATEDIR@ in the .ok files.
# `run-golden.sh --regen` rewrites the expected files (review the diff!).
set -u

srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
mip6d="$builddir/src/mip6d"
regen=false
[ "${1:-}" = --regen ] && regen=true
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mip6d-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$mip6d" ]; then
	echo "run-golden: $mip6d not built" >&2
	exit 99
fi
cd "$srcdir/tests/conf" || exit 99

pass=0
fail=0

norm() {
	if [ -n "${RUNSTATEDIR:-}" ]; then
		sed "s|\"$RUNSTATEDIR/mip6d.ctl\"|\"@RUNSTATEDIR@/mip6d.ctl\"|"
	else
		cat
	fi
}

ok() {
	pass=$((pass + 1))
	echo "PASS: $1"
}

ko() {
	fail=$((fail + 1))
	echo "FAIL: $1: $2"
	[ -f "$tmp/diff" ] && cat "$tmp/diff"
	rm -f "$tmp/diff"
}

# good CONF EXPECTED
good() {
	"$mip6d" -n -c "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	norm <"$tmp/out" >"$tmp/out.n"
	warn=${2%.ok}.warn
	if $regen; then
		cp "$tmp/out.n" "$2"
		if [ -s "$tmp/err" ]; then cp "$tmp/err" "$warn"; else rm -f "$warn"; fi
	fi
	if [ $rc -ne 0 ]; then
		ko "$1" "exit $rc: $(cat "$tmp/err")"
	elif [ -f "$warn" ] && ! diff -u "$warn" "$tmp/err" >"$tmp/diff" 2>&1; then
		ko "$1" "warnings differ from $warn"
	elif [ ! -f "$warn" ] && [ -s "$tmp/err" ]; then
		ko "$1" "unexpected stderr: $(cat "$tmp/err")"
	elif ! diff -u "$2" "$tmp/out.n" >"$tmp/diff" 2>&1; then
		ko "$1" "output differs from $2"
	else
		rm -f "$tmp/diff"
		# The output must parse back to itself.
		cp "$tmp/out" "$tmp/again.conf"
		"$mip6d" -n -c "$tmp/again.conf" >"$tmp/again" 2>/dev/null
		# (the first line names the file read)
		tail -n +2 "$tmp/out" >"$tmp/out.1"
		tail -n +2 "$tmp/again" >"$tmp/again.1"
		if ! cmp -s "$tmp/out.1" "$tmp/again.1"; then
			diff -u "$tmp/out" "$tmp/again" >"$tmp/diff" 2>&1
			ko "$1" "print -> parse -> print is not a fixed point"
		else
			ok "$1"
		fi
	fi
}

# bad CONF EXPECTED
bad() {
	"$mip6d" -n -c "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	sed 's/^mip6d: //' "$tmp/err" >"$tmp/err.n"
	if $regen; then
		cp "$tmp/err.n" "$2"
	fi
	if [ $rc -ne 1 ]; then
		ko "$1" "exit $rc, expected 1"
	elif [ -s "$tmp/out" ]; then
		ko "$1" "unexpected output on stdout"
	elif ! diff -u "$2" "$tmp/err.n" >"$tmp/diff" 2>&1; then
		ko "$1" "message differs from $2"
	else
		ok "$1"
	fi
}

for conf in [0-9]*.conf; do
	good "$conf" "${conf%.conf}.ok"
done
for conf in bad-*.conf; do
	bad "$conf" "${conf%.conf}.err"
done
for conf in ../../doc/examples/*.conf; do
	name=$(basename "$conf" .conf)
	good "$conf" "example-$name.ok"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
