#!/bin/sh
# readme_refs.sh — the README and the man pages name only what exists:
# every man page cited as name(N) is in man/, every repository path the
# README names (scripts/..., tests/..., man/..., the layout's folders) is
# there, every `make TARGET` it mentions is a Makefile target, and every
# program it runs is built. Docs that promise what is not there yet
# mislead a new user.
. "$GRYM_TOP/tests/lib/cli.sh"
cd "$GRYM_TOP" || exit 1
R=README.md

# man pages: grym-foo(1) in the README, .Xr grym-foo N in every page
refs=$( { grep -o 'grym[a-z-]*([1-8])' "$R" | sed 's/(\([1-8]\))/ \1/'
	  grep -h '^\.Xr grym' man/* | awk '{ print $2, $3 }' | tr -d ' ,.' |
	  sed 's/\([0-9]\)$/ \1/'; } | sort -u)
check "the docs cite some grym man pages" test -n "$refs"
echo "$refs" | while read -r name sec; do
	[ -f "man/$name.$sec" ] || echo "$name($sec)"
done >"$OLDPWD/missing-man"
is "$(cat "$OLDPWD/missing-man")" "" "every cited man page exists in man/"

# repository paths the README names
paths=$(grep -oE '(\.ci|scripts|tests|man|cmd|lib)/[A-Za-z0-9._/*-]*' "$R" | sed 's/[.,]$//' | sort -u)
check "the README names repository paths" test -n "$paths"
# a glob (cmd/grym-*.c) must match at least one file
for p in $paths; do set -- $p; [ -e "$1" ] || echo "$p"; done >"$OLDPWD/missing-path"
is "$(cat "$OLDPWD/missing-path")" "" "every path the README names exists"

# the layout block: "    name/   what" lines are folders of the repository
sed -n '/^## Layout/,/^## /p' "$R" | awk '/^    [a-z.-]+\/ / { print $1 }' >"$OLDPWD/layout"
check "the layout lists folders" test -s "$OLDPWD/layout"
while read -r d; do [ -d "$d" ] || [ -d "lib/$d" ] || [ -d "tests/$d" ] || echo "$d"; done \
	<"$OLDPWD/layout" >"$OLDPWD/missing-dir"
is "$(cat "$OLDPWD/missing-dir")" "" "every folder of the layout exists"

# make targets
targets=$(grep -oE '`make [a-z-]+' "$R" | awk '{ print $2 }' | sort -u)
check "the README names make targets" test -n "$targets"
for t in $targets; do grep -q "^$t:" Makefile || echo "$t"; done >"$OLDPWD/missing-target"
is "$(cat "$OLDPWD/missing-target")" "" "every make target the README names exists"

# programs: every grym-* the README runs is built
# (a name followed by "(" is a man page: grym-model(5))
progs=$(grep -oE '(^|[ |(`])grym-[a-z]+([^a-z(-]|$)' "$R" | grep -oE 'grym-[a-z]+' | sort -u)
check "the README runs grym programs" test -n "$progs"
for p in $progs; do [ -x "$GRYM_BIN/$p" ] || echo "$p"; done >"$OLDPWD/missing-prog"
is "$(cat "$OLDPWD/missing-prog")" "" "every program the README runs is built"
cd "$OLDPWD" || exit 1
done_testing
