#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 9 item 10: no function of the role layer (src/ha, src/mn, src/io, plugins/) is longer
# than MIP6_MAX_FUNCTION_LINES (80) lines, so each reads in one screen. A function is counted
# from its opening brace in column 0 to its closing brace in column 0 (the house style: a
# function body's braces, and only those, start a line), body lines only.
# First a self-test on a generated file (an 81-line function must be caught, an 80-line one
# not), so that a broken pattern cannot pass silently.
set -eu
MAX=${MIP6_MAX_FUNCTION_LINES:-80}
SRC=${top_srcdir:-$(dirname "$0")/../..}

long_functions() { # files... -> "file:line: N lines: signature" for each function over MAX
	awk -v MAX="$MAX" '
		FNR == 1 { start = 0 }
		/^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
		/^\{/ { start = FNR; name = sig; at = sigline }
		/^\}/ { if (start) { n = FNR - start - 1
				     if (n > MAX) printf "%s:%d: %d lines: %s\n", FILENAME, at, n, name
				     start = 0 } }' "$@"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() { # gen NAME BODY_LINES
	printf 'static int %s(void)\n{\n' "$1"
	i=0
	while [ "$i" -lt "$2" ]; do printf '\tx++;\n'; i=$((i + 1)); done
	printf '}\n\n'
}
{ gen fits "$MAX"; gen too_long $((MAX + 1)); } > "$tmp/self.c"
self=$(long_functions "$tmp/self.c")
case $self in
*too_long*) ;;
*) echo "not ok - self-test: a $((MAX + 1))-line function was not caught"; exit 1 ;;
esac
case $self in
*fits*) echo "not ok - self-test: a $MAX-line function was reported"; exit 1 ;;
esac
echo "ok - self-test: $((MAX + 1)) lines caught, $MAX lines pass"

files=$(find "$SRC/src/ha" "$SRC/src/mn" "$SRC/src/io" "$SRC/plugins" -name '*.c' | sort)
[ -n "$files" ] || { echo "not ok - no sources found under $SRC"; exit 1; }
out=$(long_functions $files)
if [ -n "$out" ]; then
	echo "not ok - functions over $MAX lines in the role layer:"
	echo "$out" | sed 's/^/#   /'
	exit 1
fi
echo "ok - $(echo "$files" | wc -l) files of src/ha src/mn src/io plugins: no function over $MAX lines"
