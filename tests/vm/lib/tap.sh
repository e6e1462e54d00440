# SPDX-License-Identifier: GPL-2.0-or-later
# tap.sh: the result lines every VM scenario prints, and their count. tests/vm/run reads
# "ok - NAME" / "not ok - NAME"; a scenario exits non-zero when $fails > 0.
#   check NAME CMD...        "ok - NAME" when CMD succeeds, else "not ok - NAME"
#   check_timed NAME CMD...  the same, with the seconds CMD took: "ok - NAME (1.234 s)"
#   x CMD...                 run CMD; when it fails, say which command failed ("# failed: …")
# A scenario that must clean up after a failed check sets TAP_ON_FAIL to a function name.

fails=0
ntests=0
TAP_ON_FAIL=${TAP_ON_FAIL:-}

now_us() { echo "${EPOCHREALTIME//[.,]/}"; }

# elapsed T0: seconds since T0 (an $EPOCHREALTIME value), three decimals
elapsed() {
	local ms=$(((${EPOCHREALTIME//[.,]/} - ${1//[.,]/}) / 1000))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# secs_since T_US: seconds since T_US (a now_us value), one decimal
secs_since() {
	local ms=$((($(now_us) - $1) / 1000))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

ok() {
	ntests=$((ntests + 1))
	echo "ok - $*"
}

not_ok() {
	ntests=$((ntests + 1))
	echo "not ok - $*"
	fails=$((fails + 1))
	[ -z "$TAP_ON_FAIL" ] || "$TAP_ON_FAIL"
}

check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

check_timed() {
	local name=$1 t0=$EPOCHREALTIME
	shift
	if "$@"; then ok "$name ($(elapsed "$t0") s)"; else not_ok "$name ($(elapsed "$t0") s)"; fi
}

x() {
	"$@" && return 0
	echo "# failed: $*"
	return 1
}
