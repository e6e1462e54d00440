#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks of the shipped documentation and systemd units:
#  1. the man pages render with no groff/man warnings;
#  2. mip6d.conf(5) documents every keyword of src/conf/conf.c's table, mip6d(8) every
#     long option of src/main.c, mip6ctl(8) every command and exit code of tools/mip6ctl.c;
#  3. the units generated from systemd/*.service.in pass `systemd-analyze verify`
#     (no output at all: verify prints warnings but still exits 0), with their
#     Documentation= man pages resolved against doc/.
# Exit 77 (skip) only when groff or systemd-analyze is missing.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bld=${top_builddir:-$src}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

command -v groff >/dev/null 2>&1 || { echo "SKIP: groff not installed"; exit 77; }
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze not installed"; exit 77; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# 1. Rendering.
for page in doc/mip6d.8 doc/mip6ctl.8 doc/mip6d.conf.5; do
	out=$(groff -man -Tutf8 -ww -z "$src/$page" 2>&1)
	[ -z "$out" ] || bad "groff warnings in $page: $out"
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 man --warnings -l "$src/$page" 2>&1 >/dev/null)
		[ -z "$out" ] || bad "man warnings in $page: $out"
	fi
done
text() { MANWIDTH=200 groff -man -Tutf8 -P-cbou "$src/$1" 2>/dev/null; }
text doc/mip6d.conf.5 > "$tmp/conf.txt"
text doc/mip6d.8 > "$tmp/mip6d.txt"
text doc/mip6ctl.8 > "$tmp/mip6ctl.txt"

# 2. Completeness. Keywords: the names in the keywords[] table of conf.c.
kw=$(sed -n '/^static const struct keyword keywords\[\] = {/,/^};/p' "$src/src/conf/conf.c" |
	grep -o '^[[:space:]]*\(CUSTOM\|TOP_[A-Z]*\)("[A-Za-z]*"\|^[[:space:]]*{ "[A-Za-z]*"' |
	grep -o '"[A-Za-z]*"' | tr -d '"' | sort -u)
n=$(echo "$kw" | wc -w)
[ "$n" -ge 50 ] || bad "found only $n keywords in conf.c: the extraction is broken"
for k in $kw; do
	# An entry starts a line (indented) with the keyword.
	grep -q "^ *$k\( \|;\|\$\)" "$tmp/conf.txt" || bad "mip6d.conf.5 does not document keyword $k"
done
# Every entry's Status: line agrees with the table's "unimplemented" flag (the last true/false
# of the entry): flagged keywords say "not implemented" (the daemon warns), the others say
# neither "not implemented" nor "not acted on".
flags=$(awk '
/^static const struct keyword keywords\[\] = \{/ { on = 1; next }
on && /^};/ { on = 0 }
!on { next }
{
	if (cur == "" && match($0, /^[[:space:]]*(CUSTOM|TOP_[A-Z]+)\("[A-Za-z]+"|^[[:space:]]*\{ "[A-Za-z]+"/)) {
		cur = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", cur); sub(/"$/, "", cur); text = ""
	}
	if (cur != "") {
		text = text " " $0
		if ($0 ~ /(\)|\}),[[:space:]]*$/) {
			n = split(text, w, /[^a-z]+/); flag = ""
			for (i = 1; i <= n; i++) if (w[i] == "true" || w[i] == "false") flag = w[i]
			print cur " " flag; cur = ""
		}
	}
}' "$src/src/conf/conf.c")
statuses=$(awk '
/^\.TP/ { tp = 1; next }
tp { tp = 0; if ($1 ~ /^\.B[IR]?$/) { kw = $2; gsub(/"/, "", kw) } else kw = ""; next }
/^\.(SH|SS)/ { kw = "" }
kw != "" && /^Status: / { s = $0; sub(/^Status: /, "", s); print kw " " s; kw = "" }' "$src/doc/mip6d.conf.5")
[ "$(echo "$flags" | wc -l)" -ge 50 ] || bad "found only $(echo "$flags" | wc -l) keyword flags in conf.c"
while read -r k f; do
	st=$(echo "$statuses" | awk -v k="$k" '$1 == k { $1 = ""; print; exit }')
	case "$f:$st" in
	true:*"not implemented"*) ;;
	true:*) bad "mip6d.conf.5: $k is flagged unimplemented in conf.c, its Status says: $st" ;;
	false:*"not implemented"* | false:*"not acted on"*) bad "mip6d.conf.5: $k is implemented (conf.c), its Status says: $st" ;;
	false:?*) ;;
	*) bad "mip6d.conf.5: no Status for $k (flag '$f')" ;;
	esac
done <<FLAGS
$flags
FLAGS
# Every entry has a default and a status.
e=$(grep -c '^Default: ' "$src/doc/mip6d.conf.5"); s=$(grep -c '^Status: ' "$src/doc/mip6d.conf.5")
[ "$e" -eq "$s" ] && [ "$e" -ge "$n" ] || bad "mip6d.conf.5: $e Default: lines, $s Status: lines, $n keywords"

opts=$(sed -n '/static const struct option opts\[\]/,/};/p' "$src/src/main.c" | grep -o '{ "[a-z-]*"' | grep -o '[a-z-]*"' | tr -d '"')
[ -n "$opts" ] || bad "no options found in src/main.c"
for o in $opts; do
	grep -q -- "--$o" "$tmp/mip6d.txt" || bad "mip6d.8 does not document --$o"
done
cmds=$(sed -n 's/^[[:space:]]*"  \([a-z]*\) .*/\1/p' "$src/tools/mip6ctl.c")
[ "$(echo "$cmds" | wc -w)" -ge 5 ] || bad "commands not found in tools/mip6ctl.c"
for c in $cmds; do
	grep -q "^ *$c\( \|\$\)" "$tmp/mip6ctl.txt" || bad "mip6ctl.8 does not document command $c"
done
for code in 0 1 2 3 4; do
	grep -q "^ *$code\( \|\$\)" "$tmp/mip6ctl.txt" || bad "mip6ctl.8 does not document exit code $code"
done
for sig in SIGHUP SIGTERM; do
	grep -q "$sig" "$tmp/mip6d.txt" || bad "mip6d.8 does not document $sig"
done

# 3. Units. The units built by make must have every @var@ substituted.
for u in mip6-ha mip6-mn mip6-cn; do
	if [ -f "$bld/systemd/$u.service" ] && grep -q '@[a-z]*@' "$bld/systemd/$u.service"; then
		bad "$bld/systemd/$u.service has unsubstituted variables"
	fi
done
# verify needs ExecStart=/ExecReload= binaries that exist: point sbindir at the build.
mkdir -p "$tmp/sbin" "$tmp/units" "$tmp/man/man5" "$tmp/man/man8"
ln -s "$bld/src/mip6d" "$tmp/sbin/mip6d"
ln -s "$bld/tools/mip6ctl" "$tmp/sbin/mip6ctl"
ln -s "$src/doc/mip6d.8" "$src/doc/mip6ctl.8" "$tmp/man/man8/"
ln -s "$src/doc/mip6d.conf.5" "$tmp/man/man5/"
for u in mip6-ha mip6-mn mip6-cn; do
	sed -e "s|@sbindir[@]|$tmp/sbin|g" -e "s|@sysconfdir[@]|/etc|g" \
		"$src/systemd/$u.service.in" > "$tmp/units/$u.service"
done
# The control socket the units pass (-s) is where the tmpfiles.d link points.
sock=$(sed -n 's|^ExecStart=.* -s \([^ ]*\).*|\1|p' "$tmp/units/mip6-ha.service")
link=$(awk '$1 == "L" { print $2 " " $7 }' "$src/systemd/tmpfiles.d/mip6d.conf")
[ "$sock" = /run/mip6d/mip6d.ctl ] && [ "$link" = "/run/mip6d.ctl mip6d/mip6d.ctl" ] ||
	bad "control socket: units use '$sock', tmpfiles.d links '$link'"
for u in mip6-ha mip6-mn mip6-cn; do
	grep -q "^ExecReload=.*mip6ctl -s $sock reload\$" "$tmp/units/$u.service" || bad "$u: ExecReload"
done
out=$(cd "$tmp/units" && MANPATH="$tmp/man" SYSTEMD_LOG_COLOR=0 \
	systemd-analyze verify mip6-ha.service mip6-mn.service mip6-cn.service 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	bad "systemd-analyze verify (rc $rc): $out"
fi
exit $fail
