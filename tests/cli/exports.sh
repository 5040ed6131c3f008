#!/bin/sh
# exports.sh — libgrym.so exports exactly its public interface: every
# grym_ function declared in lib/grym/*.h (through grym.h, which must
# include them all), and nothing else — no cat_, gf_, ml_ or grym__
# helper. The objects are built with -fvisibility=hidden and the public
# headers switch it back on (#pragma GCC visibility), with
# lib/libgrym.map as the second fence; a new header without the pragma, or
# a declaration nobody defines, shows up here.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 7
so=$GRYM_BUILD/lib/libgrym.so
cd "$GRYM_TOP" || exit 1

# every public header is reachable from grym.h
missing=$(for h in lib/grym/*.h; do
	b=$(basename "$h")
	[ "$b" = grym.h ] || grep -q "#include \"grym/$b\"" lib/grym/grym.h || echo "$b"
done)
is "$missing" "" "grym.h includes every public header"
nopragma=$(grep -L '^#pragma GCC visibility push(default)' lib/grym/*.h)
is "$nopragma" "" "every public header turns visibility on for its declarations"

# JSON crosses the interface as grym_json (grym/json.h): no public header
# includes a JSON library or names jansson's json_t as a type (json.h's
# one typedef aside), so a C user needs no JSON library to build
hdrs=$(cc -E -H -Ilib lib/grym/grym.h 2>&1 >/dev/null | grep -E '^\.+ ' | grep -v ' lib/grym/' |
	grep -ciE 'jansson|json')
is "$hdrs" 0 "grym.h includes no JSON library's header"
is "$(grep -nw json_t lib/grym/*.h | grep -v '^lib/grym/json.h:')" "" \
	"no public header but json.h names json_t"

# declared: every grym_ name followed by '(' that is not a function-pointer
# typedef "(*grym_x_fn)("
cc -E -P -Ilib lib/grym/grym.h |
	grep -oE '(^|[^(a-z0-9_])\**grym_[a-z0-9_]+ *\(' | grep -oE 'grym_[a-z0-9_]+' |
	sort -u >"$OLDPWD/declared"
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$OLDPWD/exported"
satisfies "$(wc -l <"$OLDPWD/declared")" 'v > 300' "the headers declare the library's functions"
is "$(comm -23 "$OLDPWD/declared" "$OLDPWD/exported" | tr '\n' ' ')" "" \
	"every declared grym_ function is exported (none declared and never defined)"
is "$(comm -13 "$OLDPWD/declared" "$OLDPWD/exported" | tr '\n' ' ')" "" \
	"nothing else is exported (no internal helper leaks into the ABI)"
