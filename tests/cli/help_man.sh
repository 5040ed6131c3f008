#!/bin/sh
# help_man.sh — every program's --help and man page agree, and every man
# page is clean under mandoc -Tlint.
#
# The option table in each cmd/grym-x.c is the one source of truth: --help
# is generated from it, so checking the rendered man page against --help
# checks it against the code. Each long option in --help must appear in
# the man page and each "--option" the man page's OPTIONS section names
# must be accepted by the program.
. "$GRYM_TOP/tests/lib/cli.sh"

for m in "$GRYM_TOP"/man/*.[157]; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	is "$out" "" "mandoc -Tlint $(basename "$m")"
done

progs=$(ls "$GRYM_BIN" 2>/dev/null | grep '^grym-')
# every program of cmd/ is built and checked (the loop below cannot run
# over nothing)
same "$(echo $progs)" "$(cd "$GRYM_TOP/cmd" && ls grym-*.c | sed 's/\.c$//' | sort | tr '\n' ' ' | sed 's/ $//')" "every cmd/grym-*.c program is built"
for p in $progs; do
	man="$GRYM_TOP/man/$p.1"
	check "$p has a man page" test -f "$man"
	[ -f "$man" ] || continue
	ok "$p --help exits 0" "$p" --help
	help=$("$p" --help 2>&1)
	like "$help" "^Usage: $p " "$p --help starts with a usage line"
	ver=$("$p" --version 2>&1)
	like "$ver" "^$p [0-9]+\.[0-9]+" "$p --version"
	fails 2 "$p rejects an unknown option with status 2" "$p" --no-such-option
	text=$(MANWIDTH=200 mandoc -Tascii "$man" | col -b)
	help_opts=$(printf '%s\n' "$help" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u)
	missing=""
	for o in $help_opts; do
		printf '%s\n' "$text" | grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|$)" || missing="$missing $o"
	done
	is "$missing" "" "$p: every option in --help is in its man page"
	man_opts=$(printf '%s\n' "$text" | sed -n '/^OPTIONS/,/^[A-Z][A-Z ]*$/p' |
		grep -oE -- '(^|[ ,[])--[a-z0-9][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u)
	extra=""
	for o in $man_opts; do
		printf '%s\n' "$help" | grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|$)" || extra="$extra $o"
	done
	is "$extra" "" "$p: every option in its man page's OPTIONS is in --help"
done
done_testing
