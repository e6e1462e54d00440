# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/vm/lib/mip6.sh: run mip6d in the topology of topo.sh (sourced after it).
#   mip6_start NS NAME CONFTEXT   write $TOPO_DIR/NAME.conf, start mip6d in NS (log NAME.log),
#                                 control socket /run/mip6-NAME.ctl; waits until it answers
#   mip6ctl_of NAME ARGS...       mip6ctl against NAME's daemon
#   mip6_json NAME CMD            mip6ctl --json CMD, output on stdout
#   mip6_stop NAME                SIGTERM, wait for the exit (bounded)
#   ok / not_ok / check / x / now_us      from tap.sh (sourced here); now_us is the clock
#                                 `ping -D` stamps replies with
#   move_mn LINK [--keep-carrier] topo_move_mn, then MOVED_US = now_us taken after it returned:
#                                 "traffic resumed" checks count replies stamped after MOVED_US
#   replies_after T_US [FILE]     a ping reply in FILE (default $TOPO_DIR/ping.log, ping -D)
#                                 stamped strictly after T_US; fails on an empty or bad T_US
#   replies_after_selftest        replies_after is false for a snapshot's last stamp, true just before
#   bul_is REGEX                  the MN's `mip6ctl --json bul` matches REGEX
#   json_ok NAME CMD [EXIT]       `mip6ctl --json CMD` exits EXIT (default 0) and prints exactly one
#                                 JSON object (Debian's python3 parses it); with EXIT != 0 it must
#                                 be an error reply {"error":"..."}
#   tshark_counts PCAP FILTER...  how many frames of PCAP match each display FILTER, one number
#                                 per line in FILTER order, from ONE tshark run (io,stat over the
#                                 whole capture): tshark's start costs 15-50 s under TCG, so a
#                                 scenario asks all its questions of a capture at once. Prints
#                                 nothing (and fails) when tshark fails, e.g. on a bad filter, so
#                                 a numeric check on the result fails too. No comma in a FILTER.
#   pcap_merge OUT PCAP...        OUT (pcapng): the captures merged, each keeping an interface of
#                                 its own (frame.interface_id 0, 1, ... in argument order), so
#                                 that one tshark_counts run answers the questions to several
#                                 captures (mergecap does not load tshark's dissectors: cheap)
# MIP6D / MIP6CTL: the binaries, from $MIP6_BUILDDIR, $TOP/build or $TOP.

# shellcheck source=tests/vm/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

for _d in "${MIP6_BUILDDIR:-}" "$TOP/build" "$TOP"; do
	if [ -n "$_d" ] && [ -x "$_d/src/mip6d" ] && [ -x "$_d/tools/mip6ctl" ]; then
		MIP6D=$_d/src/mip6d MIP6CTL=$_d/tools/mip6ctl
		break
	fi
done
if [ -z "${MIP6D:-}" ]; then
	echo "mip6.sh: no built mip6d under \$MIP6_BUILDDIR, $TOP/build or $TOP" >&2
	exit 1
fi
export MIP6D MIP6CTL
: "${PY:=/usr/bin/python3}" # Debian's, with the system packages
declare -A MIP6_PID

mip6ctl_of() {
	local name=$1
	shift
	"$MIP6CTL" -s "/run/mip6-$name.ctl" "$@"
}

mip6_json() {
	mip6ctl_of "$1" --json "$2"
}

mip6_start() {
	local ns=$1 name=$2 conf=$TOPO_DIR/$2.conf
	printf '%s\n' "$3" >"$conf"
	# MIP6_DEBUG=0: no debug lines (a flood's thousands of them cost more than the BUs).
	topo_bg "$ns" "$name" "$MIP6D" -c "$conf" -s "/run/mip6-$name.ctl" $([ "${MIP6_DEBUG:-1}" = 0 ] || echo -d) -l stderr
	MIP6_PID[$name]=$TOPO_LAST_PID
	wait_for 20 mip6ctl_of "$name" status >/dev/null 2>&1 || {
		echo "# mip6d $name did not come up; its log:"
		sed 's/^/#   /' "$TOPO_DIR/$name.log"
		return 1
	}
}

mip6_stop() {
	local pid=${MIP6_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 10 _mip6_gone "$pid"
	local st=$?
	unset "MIP6_PID[$1]"
	return $st
}

_mip6_gone() { ! kill -0 "$1" 2>/dev/null; }

move_mn() {
	MOVED_US=
	topo_move_mn "$@" || return 1
	MOVED_US=$(now_us)
}

# The -D stamps ("[1700000000.123456] 64 bytes from ...") of the replies in FILE, in µs.
ping_stamps() {
	awk '/bytes from/ { gsub(/[\[\]]/, "", $1); split($1, a, "."); printf "%.0f\n", a[1] * 1000000 + substr(a[2] "000000", 1, 6) }' "$1"
}

replies_after() {
	[[ "${1:-}" =~ ^[0-9]+$ ]] || { echo "# replies_after: bad time '${1:-}'" >&2; return 2; }
	ping_stamps "${2:-$TOPO_DIR/ping.log}" | awk -v t="$1" '$1 > t { found = 1; exit } END { exit !found }'
}

# The check itself must be able to fail: on a frozen copy of the log, nothing is later than
# the last reply, the last reply is later than one µs before it, and no time is no answer.
replies_after_selftest() {
	local snap=$TOPO_DIR/ping.snap last
	cp "$TOPO_DIR/ping.log" "$snap"
	last=$(ping_stamps "$snap" | tail -n 1)
	[ -n "$last" ] && ! replies_after "$last" "$snap" && replies_after $((last - 1)) "$snap" &&
		! replies_after "" "$snap" 2>/dev/null
}

bul_is() { mip6_json mn bul | grep -q "$1"; }

json_ok() {
	local out st want=${3:-0}
	out=$(mip6_json "$1" "$2")
	st=$?
	if [ "$st" != "$want" ]; then
		echo "# mip6ctl --json $2 on $1: exit $st, not $want: $out"
		return 1
	fi
	printf '%s' "$out" | "$PY" -c 'import json, sys
o = json.load(sys.stdin)
assert isinstance(o, dict), "not an object: %r" % (o,)
assert (set(o) == {"error"}) == (sys.argv[1] != "0"), "error reply or not, wrongly: %r" % (o,)' "$want" ||
		{ echo "# mip6ctl --json $2 on $1 printed: $out"; return 1; }
}

tshark_counts() {
	local f=$1 spec=0 filt out
	shift
	for filt in "$@"; do
		case $filt in *,*) echo "# tshark_counts: a comma in filter '$filt'" >&2; return 1 ;; esac
		spec="$spec,$filt"
	done
	out=$(tshark -r "$f" -q -z "io,stat,$spec" 2>/dev/null) || {
		echo "# tshark_counts: tshark failed on $f" >&2
		return 1
	}
	# One data row "| 0.0 <> D | frames | bytes | frames | bytes ..."; none for an empty capture.
	printf '%s\n' "$out" | awk -F'|' -v n=$# '
		/<>/ { for (i = 1; i <= n; i++) { v = $(2 * i + 1); gsub(/ /, "", v); print v }; row = 1 }
		END { if (!row) for (i = 1; i <= n; i++) print 0 }'
}

pcap_merge() {
	local out=$1
	shift
	mergecap -I none -w "$out" "$@" || {
		echo "# pcap_merge: mergecap failed on $*" >&2
		rm -f "$out"
		return 1
	}
}
